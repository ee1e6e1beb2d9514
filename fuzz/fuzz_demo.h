/*
 * fuzz_demo.h: the 20-precinct demo manifest the protocol and summary
 * targets parse their inputs against (the seeds come from the same demo).
 */
#ifndef DAUYS_FUZZ_DEMO_H
#define DAUYS_FUZZ_DEMO_H

#include "fuzz/fuzz.h"
#include "inputs/demo.h"
#include "referendum/manifest.h"

/* Parses the demo's manifest of 20 precincts into M; aborts on any failure. */
static inline void
fuzz_demo_manifest(dauys_manifest *m)
{
    dauys_pubkey pks[20];
    dauys_seckey *sk;
    dauys_demo *d;
    dauys_error err;
    char *text;
    size_t len;

    if ((sk = dauys_keys_seckey_new()) == NULL ||
        dauys_demo_plan(&d, 20, 1, "kz-constitutional", &err) != 0) {
        abort();
    }
    for (uint32_t i = 0; i < 20; i++) {
        if (dauys_demo_key(&pks[i], sk, d, i, &err) != 0) {
            abort();
        }
    }
    if (dauys_demo_manifest(&text, &len, d, pks, &err) != 0 ||
        dauys_manifest_parse_owned(m, text, len, "manifest", &err) != 0) {
        abort();
    }
    dauys_demo_free(d);
    dauys_keys_seckey_free(sk);
}

#endif
