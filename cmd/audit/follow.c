/* follow.c: written for issue 17. */
