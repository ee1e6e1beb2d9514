/* clock.c: milliseconds on the monotonic clock (clock.h). */
#include "core/clock.h"

#include <time.h>

uint64_t
dauys_clock_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000u + (uint64_t) t.tv_nsec / 1000000u;
}
