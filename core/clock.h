/*
 * clock.h: milliseconds on the monotonic clock, for deadlines and waits that
 * a wall clock stepped back (NTP) must not stall: the watchdog, the server,
 * its publisher, the cosigner and the witness.
 */
#ifndef DAUYS_CORE_CLOCK_H
#define DAUYS_CORE_CLOCK_H

#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC (from an unspecified start). */
uint64_t dauys_clock_ms(void);

#endif
