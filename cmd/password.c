/*
 * password.c: passwords for secret keys, from a file, the environment or the
 * terminal (echo off). Passwords only ever sit in secure memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/alloc.h"
#include "cmd/cli.h"
#include "core/file.h"

#define PASSWORD_FILE_MAX 4096

/* Copies the first line of the file PATH into BUF; 0 or -1 (message printed). */
static int
password_from_file(char *buf, size_t size, const char *path)
{
    dauys_error err;
    char *text;
    size_t len, n;

    if (dauys_file_read_secret(&text, &len, path, PASSWORD_FILE_MAX, &err) != 0) {
        cli_report(&err);
        return -1;
    }
    n = strcspn(text, "\r\n");
    if (n >= size) {
        dauys_secure_free(text);
        cli_message("%s: password is longer than %zu bytes", path, size - 1);
        return -1;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    dauys_secure_free(text);
    return 0;
}

/* The terminal whose echo is off, and its settings to restore, for signals. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

/* On a fatal signal during the prompt: echo back on, then die of the signal. */
static void
tty_restore_and_reraise(int sig)
{
    if (tty_fd >= 0) {
        (void) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved); /* async-signal-safe */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Not SIGTSTP: a stopped prompt should resume where it was, and the shell
 * restores the terminal's modes while the job is stopped. */
static const int tty_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define TTY_SIGNALS (sizeof tty_signals / sizeof tty_signals[0])

/* Reads a line from FD into BUF; returns its length, or SIZE if it was longer. */
static size_t
tty_read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    int overflow = 0;
    char c;

    while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
        if (n + 1 < size) {
            buf[n++] = c;
        } else {
            overflow = 1;
        }
    }
    buf[n] = '\0';
    c = 0;
    return overflow ? size : n;
}

/* Reads one line from the terminal with echo off, after PROMPT; 0 or -1. */
static int
password_from_tty(char *buf, size_t size, const char *prompt)
{
    struct sigaction on_signal = {.sa_handler = tty_restore_and_reraise}, old[TTY_SIGNALS];
    struct termios quiet;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    size_t n;

    if (fd < 0 || tcgetattr(fd, &tty_saved) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        cli_message("no terminal to ask for a password: use --password-file, "
                    "DAUYS_PASSWORD or --unencrypted");
        return -1;
    }
    quiet = tty_saved;
    quiet.c_lflag &= (tcflag_t) ~ECHO;
    for (size_t i = 0; i < TTY_SIGNALS; i++) {
        sigaction(tty_signals[i], &on_signal, &old[i]);
    }
    tty_fd = fd;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        n = SIZE_MAX; /* never read a password with echo on */
    } else {
        (void) !write(fd, prompt, strlen(prompt));
        n = tty_read_line(fd, buf, size);
        (void) tcsetattr(fd, TCSAFLUSH, &tty_saved);
        (void) !write(fd, "\n", 1);
    }
    tty_fd = -1;
    for (size_t i = 0; i < TTY_SIGNALS; i++) {
        sigaction(tty_signals[i], &old[i], NULL);
    }
    close(fd);
    if (n == SIZE_MAX) {
        cli_message("cannot turn off the terminal's echo to read a password");
        return -1;
    }
    if (n == size) {
        sodium_memzero(buf, size);
        cli_message("password is longer than %zu bytes", size - 1);
        return -1;
    }
    return 0;
}

/* The password from --password-file, else $DAUYS_PASSWORD; 1 if neither is set. */
static int
password_from_config(char *buf, size_t size, const cli_password_source *src)
{
    const char *env = getenv("DAUYS_PASSWORD");

    if (src != NULL && src->file != NULL) {
        return password_from_file(buf, size, src->file);
    }
    if (env != NULL) {
        if (strlen(env) >= size) {
            cli_message("DAUYS_PASSWORD is longer than %zu bytes", size - 1);
            return -1;
        }
        memcpy(buf, env, strlen(env) + 1);
        return 0;
    }
    return 1;
}

int
cli_password_get(char *buf, size_t size, const char *name, void *ctx)
{
    char prompt[512];
    int rc = password_from_config(buf, size, ctx);

    if (rc != 1) {
        return rc;
    }
    snprintf(prompt, sizeof prompt, "Password for %s: ", name);
    return password_from_tty(buf, size, prompt);
}

int
cli_password_new(char **out, const cli_password_source *src)
{
    char *pw = dauys_secure_malloc(DAUYS_KEYS_PASSWORD_MAX);
    char *again = dauys_secure_malloc(DAUYS_KEYS_PASSWORD_MAX);
    int rc = -1, from;

    if (pw == NULL || again == NULL) {
        cli_message("out of secure memory for a password");
        goto cleanup;
    }
    from = password_from_config(pw, DAUYS_KEYS_PASSWORD_MAX, src);
    if (from == 1 &&
        (password_from_tty(pw, DAUYS_KEYS_PASSWORD_MAX, "New password for the secret key: ") != 0 ||
         password_from_tty(again, DAUYS_KEYS_PASSWORD_MAX, "Password (again): ") != 0)) {
        goto cleanup;
    }
    if (from == -1) {
        goto cleanup;
    }
    if (from == 1 && strcmp(pw, again) != 0) {
        cli_message("the two passwords differ");
        goto cleanup;
    }
    if (pw[0] == '\0') {
        cli_message("an empty password protects nothing: give one, or use --unencrypted");
        goto cleanup;
    }
    *out = pw;
    pw = NULL;
    rc = 0;
cleanup:
    dauys_secure_free(pw);
    dauys_secure_free(again);
    return rc;
}
