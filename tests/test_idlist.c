/*
 * test_idlist.c: precinct id lists: what is accepted, and an exact error for
 * each kind of bad line.
 */
#include "tests/support.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/idlist.h"

static void
test_accepts(void **state)
{
    static const char text[] = "# precincts of Astana\n\nAST-0001\r\nAST-0002\n  \n"
                               "ast_3.b\n9\n";
    dauys_idlist list;
    dauys_error err;

    (void) state;
    /* "  " is not blank: ids cannot hold spaces. */
    assert_int_equal(dauys_idlist_parse(&list, text, strlen(text), "l.txt", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT, "l.txt:5: precinct id: must start with a letter or digit");

    static const char clean[] = "# precincts of Astana\n\nAST-0001\r\nAST-0002\nast_3.b\n9";
    assert_int_equal(dauys_idlist_parse(&list, clean, strlen(clean), "l.txt", &err), 0);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.ids[0], "AST-0001");
    assert_string_equal(list.ids[1], "AST-0002");
    assert_string_equal(list.ids[2], "ast_3.b");
    assert_string_equal(list.ids[3], "9");
    dauys_idlist_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.ids);
}

static void
test_rejects(void **state)
{
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        {"A\n../x\n", "l.txt:2: precinct id: must start with a letter or digit"},
        {"a/b\n", "l.txt:1: precinct id: may hold only letters"},
        {"-rf\n", "l.txt:1: precinct id: must start"},
        {".hidden\n", "l.txt:1: precinct id: must start"},
        {"a b\n", "l.txt:1: precinct id: may hold only"},
        {"a;DROP TABLE\n", "l.txt:1: precinct id: may hold only"},
        {"\xd0\x90\xd1\x81\n", "l.txt:1: precinct id: must start"},
        {"ok\nx\x01y\n", "l.txt:2: precinct id: may hold only"},
        {"A1\nB2\nA1\n", "l.txt:3: precinct id: \"A1\" is listed twice (first on line 1)"},
        {"# only a comment\n\n", "l.txt: no precinct ids"},
        {"", "l.txt: no precinct ids"},
        {"a\r\rb\n", "l.txt:1: precinct id: may hold only"},
    };
    dauys_idlist list;
    dauys_error err;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(
            dauys_idlist_parse(&list, cases[i].text, strlen(cases[i].text), "l.txt", &err), -1);
        assert_error(&err, DAUYS_E_FORMAT, cases[i].needle);
    }
}

static void
test_id_length(void **state)
{
    char id[80];

    (void) state;
    memset(id, 'a', sizeof id);
    assert_null(dauys_id_problem(id, DAUYS_ID_MAX));
    assert_string_equal(dauys_id_problem(id, DAUYS_ID_MAX + 1), "longer than 64 bytes");
    assert_string_equal(dauys_id_problem(id, 0), "empty");
}

static void
test_large_list_with_late_duplicate(void **state)
{
    enum { N = 20000 };
    static char text[N * 12 + 32];
    size_t off = 0;
    dauys_idlist list;
    dauys_error err;

    (void) state;
    for (int i = 0; i < N; i++) {
        off += (size_t) snprintf(text + off, sizeof text - off, "P%07d\n", i);
    }
    assert_int_equal(dauys_idlist_parse(&list, text, off, "big", &err), 0);
    assert_int_equal(list.count, N);
    dauys_idlist_free(&list);
    off += (size_t) snprintf(text + off, sizeof text - off, "P0012345\n");
    assert_int_equal(dauys_idlist_parse(&list, text, off, "big", &err), -1);
    assert_error(&err, DAUYS_E_FORMAT,
                 "big:20001: precinct id: \"P0012345\" is listed twice "
                 "(first on line 12346)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_id_length),
        cmocka_unit_test(test_large_list_with_late_duplicate),
    };

    if (dauys_core_init() != 0) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
