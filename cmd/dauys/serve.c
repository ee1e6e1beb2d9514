/* serve.c: written for issue 17. */
