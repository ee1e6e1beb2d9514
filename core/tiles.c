/* tiles.c: written for issue 17 (C2SP tlog-tiles addressing). */
