/* tiles.c: written for issue 17. */
