/* cosig.c: being written (issue 18). */
typedef int dauys_placeholder_cosig_t;
