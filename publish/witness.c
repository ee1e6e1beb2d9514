/* witness.c: being written (issue 18). */
typedef int dauys_placeholder_witness_t;
