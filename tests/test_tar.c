/*
 * test_tar.c: core/tar (ustar headers, the archive writer) and
 * core/bundlename (protocol file names), the pieces the bundle archive of
 * docs/FORMATS.md section 17.4 is made of.
 */
#include "tests/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bundlename.h"
#include "core/tar.h"

/* Sets the header's checksum field again after an edit. */
static void
reseal(uint8_t block[DAUYS_TAR_BLOCK])
{
    unsigned long sum = 0;

    memset(block + 148, ' ', 8);
    for (size_t i = 0; i < DAUYS_TAR_BLOCK; i++) {
        sum += block[i];
    }
    snprintf((char *) block + 148, 8, "%06lo", sum);
    block[155] = ' ';
}

static void
expect_bad(const uint8_t block[DAUYS_TAR_BLOCK], const char *message)
{
    dauys_tar_header h;
    dauys_error err;

    assert_int_equal(dauys_tar_header_parse(&h, block, &err), -1);
    assert_int_equal(err.status, DAUYS_E_FORMAT);
    assert_string_equal(err.message, message);
}

/* A header made is the header parsed, with the fields tar expects. */
static void
test_header_round_trip(void **state)
{
    uint8_t block[DAUYS_TAR_BLOCK];
    dauys_tar_header h;
    dauys_error err;

    (void) state;
    assert_int_equal(dauys_tar_header_make(block, "protocols/00000001.txt", '0', 1234, &err), 0);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_string_equal(h.name, "protocols/00000001.txt");
    assert_int_equal(h.type, '0');
    assert_int_equal(h.size, 1234);
    assert_memory_equal(block + 257,
                        "ustar\0"
                        "00",
                        8);
    assert_memory_equal(block + 100, "0000644", 8);
    assert_memory_equal(block + 124, "00000002322", 12); /* 1234 in octal */
    assert_int_equal(dauys_tar_header_make(block, "log/", '5', 0, &err), 0);
    assert_memory_equal(block + 100, "0000755", 8);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_int_equal(h.type, '5');
    block[156] = '\0'; /* an old-style plain file */
    reseal(block);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_int_equal(h.type, '0');
}

/* Names over 100 bytes go to the prefix field, split at a slash; 256 do not fit. */
static void
test_long_names(void **state)
{
    char name[300];
    uint8_t block[DAUYS_TAR_BLOCK];
    dauys_tar_header h;
    dauys_error err;

    (void) state;
    memset(name, 'a', 150);
    name[150] = '/';
    memset(name + 151, 'b', 90);
    name[241] = '\0';
    assert_int_equal(dauys_tar_header_make(block, name, '0', 0, &err), 0);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_string_equal(h.name, name);
    memset(name, 'd', 256);
    name[155] = '/';
    name[256] = '\0'; /* fits the fields (155 + 100), not the 255 bytes */
    assert_int_equal(dauys_tar_header_make(block, name, '0', 0, &err), -1);
    memset(name, 'c', 101);
    name[101] = '\0'; /* no slash to split at */
    assert_int_equal(dauys_tar_header_make(block, name, '0', 0, &err), -1);
    assert_int_equal(err.status, DAUYS_E_USAGE);
    assert_int_equal(dauys_tar_header_make(block, "", '0', 0, &err), -1);
    assert_int_equal(dauys_tar_header_make(block, "big", '0', DAUYS_TAR_SIZE_MAX + 1, &err), -1);
    assert_int_equal(err.status, DAUYS_E_TOO_LARGE);
    assert_int_equal(dauys_tar_header_make(block, "big", '0', DAUYS_TAR_SIZE_MAX, &err), 0);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_int_equal(h.size, DAUYS_TAR_SIZE_MAX);
}

/* Everything that is not a ustar header is refused with its reason. */
static void
test_bad_headers(void **state)
{
    uint8_t good[DAUYS_TAR_BLOCK], block[DAUYS_TAR_BLOCK];
    dauys_tar_header h;
    dauys_error err;

    (void) state;
    memset(block, 0, sizeof block);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 0); /* the end */
    assert_int_equal(dauys_tar_header_make(good, "checkpoint", '0', 195, &err), 0);
    memcpy(block, good, sizeof block);
    block[0] ^= 1; /* checksum no longer matches */
    expect_bad(block, "header checksum does not match");
    memcpy(block, good, sizeof block);
    memcpy(block + 257, "ustaR", 5);
    reseal(block);
    expect_bad(block, "not a ustar header (magic)");
    memcpy(block, good, sizeof block);
    memcpy(block + 124, "0000000038\0", 12); /* 8 is not octal */
    reseal(block);
    expect_bad(block, "size field is not an octal number");
    memcpy(block, good, sizeof block);
    block[124] = 0x80; /* GNU base-256: not read */
    reseal(block);
    expect_bad(block, "size field is not an octal number");
    memcpy(block, good, sizeof block);
    memset(block, 0, 100);
    reseal(block);
    expect_bad(block, "member without a name");
    memcpy(block, good, sizeof block);
    memset(block, 'n', 100); /* 155 + "/" + 100 = 256 bytes: one too many */
    memset(block + 345, 'p', 155);
    reseal(block);
    expect_bad(block, "name longer than 255 bytes");
    memset(block + 345 + 154, 0, 1); /* 154 + 1 + 100 = 255: fits */
    reseal(block);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_int_equal(strlen(h.name), 255);
    memcpy(block, good, sizeof block);
    memcpy(block + 257, "ustar  \0", 8); /* GNU tar's magic: read, without a prefix */
    memset(block + 345, 'x', 10);
    reseal(block);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_string_equal(h.name, "checkpoint");
}

/* The writer's archive: headers, data padded to blocks, two zero blocks; an
 * existing file is refused and left alone. */
/* Rewrites NAME of TYPE and SIZE as tar unpacks it; the return value. */
static int
extract_path(char *out, const char *name, char type, uint64_t size, dauys_error *err)
{
    dauys_tar_header h = {.type = type, .size = size};

    snprintf(h.name, sizeof h.name, "%s", name);
    int rc = dauys_tar_extract_path(&h, err);
    strcpy(out, h.name);
    return rc;
}

/* Member names become the path GNU tar 1.34 unpacks them to (found by running
 * it); the members it refuses, or whose data it reads as members, fail. */
static void
test_extract_paths(void **state)
{
    static const struct {
        const char *stored, *path;
        char type;
    } same[] = {
        {"result.txt", "result.txt", '0'},
        {"/result.txt", "result.txt", '0'},
        {"//result.txt", "result.txt", '0'},
        {"./result.txt", "result.txt", '0'},
        {"/././/result.txt", "result.txt", '0'},
        {"log//entries.txt", "log/entries.txt", '0'},
        {"log/./entries.txt", "log/entries.txt", '0'},
        {"a.b/..c/c..", "a.b/..c/c..", '0'},
        {"log/", "log", '5'},
        {"log", "log", '5'},
        {"/log//", "log", '5'},
        {"./", "", '5'},
        {".", "", '5'},
        {"/", "", '5'},
        {"log/.", "log", '5'},
        {"result.txt", "result.txt", '2'},
    };
    static const struct {
        const char *stored;
        char type;
        uint64_t size;
        int rc;
        const char *message;
    } refused[] = {
        {"reports/../result.txt", '0', 1, -1, "a name with a '..' component, which tar refuses"},
        {"../result.txt", '0', 1, -1, "a name with a '..' component, which tar refuses"},
        {"log/..", '5', 0, -1, "a name with a '..' component, which tar refuses"},
        {"..", '0', 0, -1, "a name with a '..' component, which tar refuses"},
        {"result.txt/", '0', 0, -1, "a file whose name ends in '/', which tar makes a directory"},
        {"result.txt/", '0', 9, -2,
         "a file whose name ends in '/', which tar makes a directory, "
         "reading its data as further members"},
        {"result.txt/.", '0', 9, -1, "a file whose name ends in '.', which tar cannot unpack"},
        {".", '0', 0, -1, "a file whose name ends in '.', which tar cannot unpack"},
        {"reports", '5', 1024, -2,
         "a directory with 1024 bytes of data, which tar reads as "
         "further members"},
    };
    char out[DAUYS_TAR_NAME_MAX + 1];
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_int_equal(extract_path(out, same[i].stored, same[i].type, 0, &err), 0);
        assert_string_equal(out, same[i].path);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(
            extract_path(out, refused[i].stored, refused[i].type, refused[i].size, &err),
            refused[i].rc);
        assert_int_equal(err.status, DAUYS_E_FORMAT);
        assert_string_equal(err.message, refused[i].message);
        assert_string_equal(out, refused[i].stored); /* left as stored */
    }
}

static void
test_writer(void **state)
{
    const char *dir = support_tmpdir();
    char *path = support_path(dir, "a.tar"), *src;
    uint8_t block[DAUYS_TAR_BLOCK];
    dauys_tar_writer w;
    dauys_tar_header h;
    dauys_error err;
    struct stat st;
    FILE *fp;

    (void) state;
    src = support_write(dir, "f", "hello, archive\n", 15, 0644);
    assert_int_equal(dauys_tar_create(&w, path, &err), 0);
    assert_int_equal(dauys_tar_add_dir(&w, "log/", &err), 0);
    fp = fopen(src, "r");
    assert_int_equal(dauys_tar_add_stream(&w, "log/entries.txt", fp, 15, &err), 0);
    rewind(fp);
    assert_int_equal(dauys_tar_add_stream(&w, "short", fp, 16, &err), -1); /* one byte too many */
    assert_int_equal(err.status, DAUYS_E_IO);
    fclose(fp);
    dauys_tar_discard(&w);
    assert_int_equal(stat(path, &st), -1); /* a failed archive is removed */

    assert_int_equal(dauys_tar_create(&w, path, &err), 0);
    fp = fopen(src, "r");
    assert_int_equal(dauys_tar_add_stream(&w, "log/entries.txt", fp, 15, &err), 0);
    fclose(fp);
    assert_int_equal(dauys_tar_finish(&w, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 4 * DAUYS_TAR_BLOCK);
    fp = fopen(path, "r");
    assert_int_equal(fread(block, 1, sizeof block, fp), sizeof block);
    assert_int_equal(dauys_tar_header_parse(&h, block, &err), 1);
    assert_string_equal(h.name, "log/entries.txt");
    assert_int_equal(fread(block, 1, sizeof block, fp), sizeof block);
    assert_memory_equal(block, "hello, archive\n\0\0", 17);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fread(block, 1, sizeof block, fp), sizeof block);
        assert_int_equal(dauys_tar_header_parse(&h, block, &err), 0);
    }
    fclose(fp);
    assert_int_equal(dauys_tar_create(&w, path, &err), -1);
    assert_int_equal(err.status, DAUYS_E_EXISTS);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 4 * DAUYS_TAR_BLOCK);
    support_rmdir(dir);
    free(src);
    free(path);
}

/* Protocol file names: canonical ones sort a protocol before its signature,
 * in index order; anything else is not a protocol file. */
static void
test_bundle_names(void **state)
{
    static const char *const not_protocols[] = {"index.tsv",
                                                "0000001.txt",
                                                "000000001.txt",
                                                "00000001.TXT",
                                                "00000001.txt.bak",
                                                "00000001.minisig",
                                                "+0000001.txt",
                                                "-0000001.txt",
                                                " 0000001.txt",
                                                "00000001",
                                                "99999999999999999999999.txt",
                                                "",
                                                NULL};
    char name[40];

    (void) state;
    dauys_bundle_protocol_name(name, sizeof name, 7, 0);
    assert_string_equal(name, "00000007.txt");
    dauys_bundle_protocol_name(name, sizeof name, 123456789, 1);
    assert_string_equal(name, "123456789.txt.minisig");
    assert_int_equal(dauys_bundle_protocol_key("00000007.txt"), 14);
    assert_int_equal(dauys_bundle_protocol_key("00000007.txt.minisig"), 15);
    assert_int_equal(dauys_bundle_protocol_key("123456789.txt"), 246913578);
    assert_true(dauys_bundle_protocol_key("00000007.txt.minisig") <
                dauys_bundle_protocol_key("00000008.txt"));
    for (size_t i = 0; not_protocols[i] != NULL; i++) {
        if (dauys_bundle_protocol_key(not_protocols[i]) != UINT64_MAX) {
            fail_msg("\"%s\" taken for a protocol file", not_protocols[i]);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_extract_paths),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_bundle_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
