/* submit.c: written for issue 17. */
