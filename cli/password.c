/*
 * password.c: passwords for secret keys, from a file, the environment or the
 * terminal (echo off). Passwords only ever sit in secure memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "cli.h"
#include "file.h"

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

/* Reads one line from the terminal with echo off, after PROMPT; 0 or -1. */
static int
password_from_tty(char *buf, size_t size, const char *prompt)
{
    struct termios old, quiet;
    size_t n = 0;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    int rc = -1;
    char c;

    if (fd < 0 || tcgetattr(fd, &old) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        cli_message("no terminal to ask for a password: use --password-file, "
                    "DAUYS_PASSWORD or --unencrypted");
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= (tcflag_t) ~ECHO;
    (void) !write(fd, prompt, strlen(prompt));
    (void) tcsetattr(fd, TCSAFLUSH, &quiet);
    while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
        if (n + 1 < size) {
            buf[n++] = c;
        }
    }
    buf[n] = '\0';
    c = 0;
    (void) tcsetattr(fd, TCSAFLUSH, &old);
    (void) !write(fd, "\n", 1);
    close(fd);
    rc = 0;
    return rc;
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
