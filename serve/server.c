/* server.c: written for issue 17. */
