/* net.c: see net.h (written for issue 17). */
