/* livepage.c: written for issue 17. */
