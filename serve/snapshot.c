/* snapshot.c: written for issue 17. */
