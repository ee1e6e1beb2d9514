/*
 * symbols_probe.c: a library with the two faults tests/tools/symbols.py
 * must find (tests/CMakeLists.txt, symbols_refuses_*): a shared helper
 * without the dauys_ prefix, and a name under a prefix core owns.
 */
int probe_helper(void);
int dauys_core_probe(void);

int
probe_helper(void)
{
    return 1;
}

int
dauys_core_probe(void)
{
    return 2;
}
