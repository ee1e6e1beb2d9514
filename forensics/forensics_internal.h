/*
 * internal.h: what the parts of the forensics library share (forensics.c
 * computes, random.c draws, describe.c explains and writes). Not installed;
 * the unit test includes it to check the sampler and the exact predicates on
 * their own.
 */
#ifndef DAUYS_FORENSICS_INTERNAL_H
#define DAUYS_FORENSICS_INTERNAL_H

#include <stdint.h>

/* --- random numbers (random.c) --------------------------------------------- */

/*
 * xoshiro256** (Blackman and Vigna 2018): fast, 256 bits of state, and the
 * same sequence on every machine, so a run can be repeated anywhere.
 */
typedef struct forensics_rng {
    uint64_t s[4];
} forensics_rng;

/* Seeds G for the stream STREAM under SEED: the state is four splitmix64
 * outputs started from a mix of both, so every (seed, stream) pair gets its
 * own unrelated sequence, and no state is all zero. */
void dauys_forensics_rng_seed(forensics_rng *g, uint64_t seed, uint64_t stream);

/* The next 64 random bits. */
uint64_t dauys_forensics_rng_next(forensics_rng *g);

/* A uniform double in the open interval (0, 1): never 0, so its log is finite. */
double dauys_forensics_rng_open01(forensics_rng *g);

/*
 * An exact Binomial(N, P) sampler. By symmetry it draws with min(P, 1 - P)
 * and flips the result. Inversion (the pmf's recurrence walked from 0) when
 * N * min(P, 1 - P) < 10, where it takes few steps; otherwise Hörmann's BTRS
 * transformed rejection with squeeze (W. Hörmann 1993, "The generation of
 * binomial random variates", J. Statist. Comput. Simul. 46:101-110), whose
 * cost does not grow with N. The set-up depends on (N, P) only, so a caller
 * drawing many variates for one precinct prepares it once.
 */
typedef struct forensics_binomial {
    uint64_t n;
    int flip;     /* drawn with 1 - P: the result is N minus the draw */
    int constant; /* P is 0 or 1 (or N is 0): the result is always VALUE */
    uint64_t value;
    int btrs; /* 0: inversion */
    double p; /* min(P, 1 - P) */
    /* inversion: P(0) = q^n, then P(k) = P(k - 1) * (ratio_a / k - ratio_s) */
    double q_n, ratio_a, ratio_s;
    /* BTRS (names as in the paper) */
    double a, b, c, vr, alpha, lpq, h, m;
} forensics_binomial;

/* Prepares B for Binomial(N, P); P outside [0, 1] is clamped. */
void dauys_forensics_binomial_init(forensics_binomial *b, uint64_t n, double p);

/* One variate of B, with G's numbers. */
uint64_t dauys_forensics_binomial_draw(const forensics_binomial *b, forensics_rng *g);

/* ln(K!), to double precision (exact products up to 20!, then Stirling's series). */
double dauys_forensics_log_factorial(double k);

/* --- the exact predicates (forensics.c) ------------------------------------- */

/* 1 if 100 K / N is within 0.05 of a whole number (N > 0, K <= N), decided in
 * exact integer arithmetic. */
int dauys_forensics_near_whole_percent(uint64_t k, uint64_t n);

/* 1 if K / N is strictly above 90% (N > 0), exactly. */
int dauys_forensics_above_90(uint64_t k, uint64_t n);

#endif
