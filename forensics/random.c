/*
 * random.c: the Monte Carlo's random numbers. A generator of our own
 * (xoshiro256**, seeded through splitmix64) rather than the C library's, so
 * that the same seed gives the same resamples, and so the same flags, on
 * every machine; and an exact binomial sampler (internal.h says which
 * method when). Written for dauys from the published algorithms.
 */
#include <math.h>

#include "forensics/forensics_internal.h"

/* splitmix64's output function (Steele, Lea and Flood 2014): a bijective mix. */
static uint64_t
mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void
dauys_forensics_rng_seed(forensics_rng *g, uint64_t seed, uint64_t stream)
{
    /* mix is a bijection, so distinct streams start from distinct states */
    uint64_t st = seed ^ mix(stream ^ 0x5851f42d4c957f2dull);

    for (int i = 0; i < 4; i++) {
        st += 0x9e3779b97f4a7c15ull; /* splitmix64's step */
        g->s[i] = mix(st);
    }
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
dauys_forensics_rng_next(forensics_rng *g)
{
    uint64_t *s = g->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double
dauys_forensics_rng_open01(forensics_rng *g)
{
    /* the top 53 bits, centred in their interval: (0.5 .. 2^53 - 0.5) / 2^53 */
    return ((double) (dauys_forensics_rng_next(g) >> 11) + 0.5) * 0x1p-53;
}

double
dauys_forensics_log_factorial(double k)
{
    if (k <= 20) { /* 20! < 2^64: the product is exact, its log correctly rounded */
        uint64_t f = 1;
        for (uint64_t i = 2; i <= (uint64_t) k; i++) {
            f *= i;
        }
        return log((double) f);
    }
    /* Stirling's series for ln Gamma(k + 1); from k = 21 the next term is below 1e-15 */
    double r = 1 / k, r2 = r * r;
    return (k + 0.5) * log(k) - k + 0.91893853320467274178 /* ln(2 pi) / 2 */ +
           r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

/* The BTRS constants for N and P <= 0.5 with N P >= 10 (Hörmann 1993, table of step 0). */
static void
btrs_init(forensics_binomial *b)
{
    double n = (double) b->n, p = b->p, q = 1 - p, spq = sqrt(n * p * q);

    b->btrs = 1;
    b->b = 1.15 + 2.53 * spq;
    b->a = -0.0873 + 0.0248 * b->b + 0.01 * p;
    b->c = n * p + 0.5;
    b->vr = 0.92 - 4.2 / b->b;
    b->alpha = (2.83 + 5.1 / b->b) * spq;
    b->lpq = log(p / q);
    b->m = floor((n + 1) * p); /* the mode */
    b->h = dauys_forensics_log_factorial(b->m) + dauys_forensics_log_factorial(n - b->m);
}

void
dauys_forensics_binomial_init(forensics_binomial *b, uint64_t n, double p)
{
    *b = (forensics_binomial){.n = n};
    p = p > 0 ? (p < 1 ? p : 1) : 0; /* also maps a NaN to 0 */
    if (n == 0 || p == 0 || p == 1) {
        b->constant = 1;
        b->value = p == 1 ? n : 0;
        return;
    }
    b->flip = p > 0.5;
    b->p = b->flip ? 1 - p : p;
    if ((double) n * b->p >= 10) {
        btrs_init(b);
        return;
    }
    b->q_n = exp((double) n * log1p(-b->p)); /* >= e^-14 here: n p < 10 and p <= 1/2 */
    b->ratio_s = b->p / (1 - b->p);
    b->ratio_a = ((double) n + 1) * b->ratio_s;
}

/* Inversion: walks the pmf from 0 until the uniform is used up. */
static uint64_t
inversion(const forensics_binomial *b, forensics_rng *g)
{
    /* with n p < 10 the pmf beyond 200 is below 1e-100: running past it can only
     * be rounding in the subtractions, and the draw starts again */
    uint64_t cap = b->n < 200 ? b->n : 200;

    for (;;) {
        double u = dauys_forensics_rng_open01(g), f = b->q_n;
        uint64_t k = 0;
        while (u > f && k < cap) {
            u -= f;
            k++;
            f *= b->ratio_a / (double) k - b->ratio_s;
        }
        if (u <= f) {
            return k;
        }
    }
}

/* BTRS: a candidate from the transformed hat, accepted by the squeeze or by
 * the exact log-density ratio. About 1.15 candidates per variate. */
static uint64_t
btrs(const forensics_binomial *b, forensics_rng *g)
{
    double n = (double) b->n;

    for (;;) {
        double u = dauys_forensics_rng_open01(g) - 0.5, v = dauys_forensics_rng_open01(g);
        double us = 0.5 - fabs(u);
        double k = floor((2 * b->a / us + b->b) * u + b->c);
        if (k < 0 || k > n || k >= 0x1p64) { /* 0x1p64: n = 2^64 - 1 rounds up to it */
            continue;
        }
        if (us >= 0.07 && v <= b->vr) {
            return (uint64_t) k;
        }
        v *= b->alpha / (b->a / (us * us) + b->b);
        if (log(v) <= b->h - dauys_forensics_log_factorial(k) -
                          dauys_forensics_log_factorial(n - k) + (k - b->m) * b->lpq) {
            return (uint64_t) k;
        }
    }
}

uint64_t
dauys_forensics_binomial_draw(const forensics_binomial *b, forensics_rng *g)
{
    uint64_t k;

    if (b->constant) {
        return b->value;
    }
    k = b->btrs ? btrs(b, g) : inversion(b, g);
    k = k > b->n ? b->n : k; /* the double n may exceed the integer one by rounding */
    return b->flip ? b->n - k : k;
}
