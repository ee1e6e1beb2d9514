#include "tests/support.h"
#include "tests/serve_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/ingest.h"
#include "store/checkpoint.h"

void
serve_world_make(serve_world *w, const char *base)
{
    char *text = malloc(64 * 1024), *p = text, b64[57], pub[200];
    dauys_pubkey central_pk;
    dauys_error err;

    memset(w, 0, sizeof *w);
    assert_non_null(text);
    w->dir = support_path(base, "ws");
    w->files = support_path(base, "files");
    assert_int_equal(mkdir(w->files, 0700), 0);
    assert_int_equal(dauys_keys_generate(&central_pk, &w->central, &err), 0);
    p +=
        sprintf(p, "format: dauys-manifest 1\nreferendum: kz-live\ntitle: Live " SERVE_WORLD_HOSTILE
                   " test\ndate: 2026-03-15\nmode: test\nversion: 1\nballot: single\n"
                   "question: q1 kz-constitutional Do you agree " SERVE_WORLD_HOSTILE "?\n");
    for (int r = 0; r < SERVE_WORLD_REGIONS; r++) {
        p += sprintf(p, "region: R%02d oblast Region %d " SERVE_WORLD_HOSTILE "\n", r, r);
    }
    for (int r = 0; r < SERVE_WORLD_REGIONS; r++) {
        p += sprintf(p, "district: D%02d R%02d District %d\n", r, r, r);
    }
    for (int i = 0; i < SERVE_WORLD_PRECINCTS; i++) {
        assert_int_equal(dauys_keys_generate(&w->pk[i], &w->sk[i], &err), 0);
        dauys_keys_pubkey_to_base64(b64, &w->pk[i]);
        p += sprintf(p, "precinct: P%03d D%02d 1000 %s School %d\n", i, i / SERVE_WORLD_PER_REGION,
                     b64, i);
    }
    support_write_signed(w->files, "manifest.txt", text, w->central);
    assert_int_equal(dauys_keys_pubkey_encode(pub, sizeof pub, &central_pk, NULL, &err), 0);
    free(support_write(w->files, "central.pub", pub, strlen(pub), 0644));
    char *mp = support_path(w->files, "manifest.txt"), *cp = support_path(w->files, "central.pub");
    if (dauys_workspace_init(w->dir, mp, cp, &err) != 0) {
        fail_msg("init: %s", err.message);
    }
    free(mp), free(cp);
    w->manifest = text;
}

void
serve_world_update_manifest(serve_world *w)
{
    char *v = strstr(w->manifest, "\nversion: 1\n"), *path;
    dauys_workspace *ws = NULL;
    dauys_error err;

    assert_non_null(v);
    v[10] = '2';
    support_write_signed(w->files, "manifest-v2.txt", w->manifest, w->central);
    path = support_path(w->files, "manifest-v2.txt");
    assert_int_equal(dauys_workspace_open(&ws, w->dir, &err), 0);
    if (dauys_workspace_update_manifest(ws, path, &err) != 0) {
        fail_msg("update-manifest: %s", err.message);
    }
    dauys_workspace_close(ws);
    free(path);
}

void
serve_world_write_protocol(serve_world *w, const char *dir, int i, unsigned version, unsigned yes,
                           int broken)
{
    char text[1024], name[32];

    snprintf(text, sizeof text,
             "format: dauys-protocol 1\nreferendum: kz-live\nprecinct: P%03d\nversion: %u\n%s"
             "citizens_on_list: 1000\nballots_received: 800\nballots_issued: 700\n"
             "ballots_cancelled: 100\nballots_in_boxes: %u\nq1_yes: %u\nq1_no: %u\n"
             "q1_not_counted: 5\nq1_invalid: 5\n",
             i, version, version > 1 ? "reason: recounted\n" : "", broken ? 650u : 700u, yes,
             690 - yes);
    snprintf(name, sizeof name, "P%03d-v%u.txt", i, version);
    support_write_signed(dir, name, text, w->sk[i]);
}

void
serve_world_ingest(serve_world *w, int from, int to, unsigned yes, int correct, int reject)
{
    char name[32], *batch;
    dauys_workspace *ws = NULL;
    dauys_ingest_summary sum;
    dauys_error err;

    snprintf(name, sizeof name, "batch%d", ++w->batches);
    batch = support_path(w->files, name);
    assert_int_equal(mkdir(batch, 0700), 0);
    for (int i = from; i < to; i++) {
        serve_world_write_protocol(w, batch, i, 1, yes, 0);
    }
    if (correct >= 0) {
        serve_world_write_protocol(w, batch, correct, 2, yes + 1, 0);
    }
    if (reject >= 0) {
        serve_world_write_protocol(w, batch, reject, 9, yes, 1);
    }
    assert_int_equal(dauys_workspace_open(&ws, w->dir, &err), 0);
    if (dauys_ingest(ws, &batch, 1, 1, &sum, NULL, &err) != 0) {
        fail_msg("ingest: %s", err.message);
    }
    dauys_workspace_close(ws);
    free(batch);
}

void
serve_world_checkpoint(serve_world *w, char *note)
{
    dauys_workspace *ws = NULL;
    dauys_checkpoint cp;
    dauys_error err;

    assert_int_equal(dauys_workspace_open_frame(&ws, w->dir, &err), 0);
    if (dauys_log_checkpoint(note, DAUYS_CHECKPOINT_NOTE_MAX, &cp, ws, w->central, &err) != 0) {
        fail_msg("checkpoint: %s", err.message);
    }
    dauys_workspace_close(ws);
}

void
serve_world_free(serve_world *w)
{
    dauys_keys_seckey_free(w->central);
    for (int i = 0; i < SERVE_WORLD_PRECINCTS; i++) {
        dauys_keys_seckey_free(w->sk[i]);
    }
    free(w->dir);
    free(w->files);
    free(w->manifest);
}
