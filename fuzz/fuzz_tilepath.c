/* fuzz_tilepath: the parser of tile paths (core/tile.h), which routes the
 * server's GETs. What it accepts must be canonical: encoding the parsed tile
 * gives back exactly the input bytes. And every tile encodes to a path that
 * parses back to it. */
#include "fuzz/fuzz.h"

#include "core/tile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A tile made from the first bytes of DATA, encoded and parsed back. */
static void
encode_then_parse(const uint8_t *data, size_t size)
{
    char path[DAUYS_TILE_PATH_MAX];
    dauys_tile t = {0, 0, 1}, back;
    dauys_error err;

    if (size < 10) {
        return;
    }
    t.level = (int) (data[0] % (DAUYS_TILE_LEVEL_MAX + 2)) - 1;
    for (int i = 1; i <= 8; i++) {
        t.index = t.index << 8 | data[i];
    }
    t.index >>= data[9] % 64;
    t.width = (unsigned) data[9] / 64 == 0 ? DAUYS_TILE_WIDTH : 1 + (unsigned) data[1];
    if (t.width > DAUYS_TILE_WIDTH) {
        t.width = DAUYS_TILE_WIDTH;
    }
    if (dauys_tile_path(path, sizeof path, &t, &err) != 0 ||
        dauys_tile_path_parse(&back, path, strlen(path), &err) != 0 || back.level != t.level ||
        back.index != t.index || back.width != t.width) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_copy(data, size), path[DAUYS_TILE_PATH_MAX];
    dauys_tile t;
    dauys_error err;
    int rc = dauys_tile_path_parse(&t, text, size, &err);

    fuzz_check_error(rc, &err);
    if (rc == 0 && (dauys_tile_path(path, sizeof path, &t, &err) != 0 || strlen(path) != size ||
                    memcmp(path, text, size) != 0)) {
        abort();
    }
    free(text);
    encode_then_parse(data, size);
    return 0;
}
