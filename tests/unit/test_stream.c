/* Unit tests for lib/stream: the stdin-or-store rule of SPEC §3 and pass-through. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "stream.h"

/* A FILE holding text, positioned at its start. */
static FILE *
input(const char *text)
{
	FILE *fp = tmpfile();

	assert_non_null(fp);
	fputs(text, fp);
	rewind(fp);
	return fp;
}

/* Read all of fd into buf (NUL-terminated). */
static void
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* Run crm_input_choose on text in a child; return its exit status
 * (0 when it returned normally) and its stderr in err. */
static int
choose_in_child(const char *text, bool dash, char *err, size_t errsz)
{
	int pipefd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		crm_stream *s;
		FILE *fp = input(text);

		dup2(pipefd[1], 2);
		crm_input_choose(fp, "<stdin>", dash, false, false, &s);
		_exit(0);
	}
	close(pipefd[1]);
	read_all(pipefd[0], err, errsz);
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
test_all_and_tty_mean_store(void **state)
{
	crm_stream *s;
	FILE *fp = input("customer_id\n1\n");

	(void)state;
	assert_int_equal(crm_input_choose(fp, "<stdin>", false, true, false, &s), CRM_INPUT_STORE);
	assert_null(s);
	assert_int_equal(crm_input_choose(fp, "<stdin>", false, false, true, &s), CRM_INPUT_STORE);
	assert_null(s);
	fclose(fp);
}

static void
test_empty_stdin_means_store(void **state)
{
	crm_stream *s;
	FILE *fp = input("");

	(void)state;
	assert_int_equal(crm_input_choose(fp, "<stdin>", false, false, false, &s), CRM_INPUT_STORE);
	assert_null(s);
	fclose(fp);
}

static void
test_stream_passes_columns_through(void **state)
{
	crm_stream *s;
	FILE *fp = input("name,customer_id,区域\n陈小明,12,华东\n\"A, B\",7,\n");
	FILE *out = tmpfile();
	crm_csv_writer *w;
	int64_t id;
	char buf[256];
	size_t n;

	(void)state;
	assert_int_equal(crm_input_choose(fp, "<stdin>", false, false, false, &s), CRM_INPUT_STREAM);
	assert_int_equal(crm_stream_ncols(s), 3);
	w = crm_csv_writer_new(out, "out", false, false);
	crm_stream_write_header(s, w, (const char *const[]){"rfm_r"}, 1);
	assert_int_equal(crm_stream_next(s, &id), 1);
	assert_int_equal(id, 12);
	crm_stream_write_row(s, w, (const char *const[]){"5"}, 1);
	assert_int_equal(crm_stream_next(s, &id), 1);
	assert_int_equal(id, 7);
	assert_int_equal(crm_stream_line(s), 3);
	crm_stream_write_row(s, w, (const char *const[]){"1"}, 1);
	assert_int_equal(crm_stream_next(s, &id), 0);
	assert_int_equal(crm_csv_writer_close(w), 0);
	rewind(out);
	n = fread(buf, 1, sizeof buf - 1, out);
	buf[n] = '\0';
	assert_string_equal(buf, "name,customer_id,区域,rfm_r\n陈小明,12,华东,5\n\"A, B\",7,,1\n");
	crm_stream_close(s);
	fclose(fp);
	fclose(out);
}

static void
test_no_customer_id_is_an_error_naming_all(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(choose_in_child("alice\nbob\n", false, err, sizeof err), CRM_EX_DATAERR);
	assert_non_null(strstr(err, "no customer_id column"));
	assert_non_null(strstr(err, "--all"));
}

static void
test_dash_with_empty_input_is_an_error(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(choose_in_child("", true, err, sizeof err), CRM_EX_DATAERR);
	assert_non_null(strstr(err, "no header row"));
}

static void
test_bad_customer_id_names_line(void **state)
{
	int pipefd[2], status;
	pid_t pid;
	char err[512];

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		crm_stream *s;
		int64_t id;
		FILE *fp = input("customer_id,x\n1,a\nabc,b\n");

		dup2(pipefd[1], 2);
		crm_input_choose(fp, "<stdin>", false, false, false, &s);
		while (crm_stream_next(s, &id) == 1)
			;
		_exit(0);
	}
	close(pipefd[1]);
	read_all(pipefd[0], err, sizeof err);
	waitpid(pid, &status, 0);
	assert_int_equal(WEXITSTATUS(status), CRM_EX_DATAERR);
	assert_non_null(strstr(err, "<stdin>:3: column \"customer_id\": \"abc\" is not a customer id"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_and_tty_mean_store),
		cmocka_unit_test(test_empty_stdin_means_store),
		cmocka_unit_test(test_stream_passes_columns_through),
		cmocka_unit_test(test_no_customer_id_is_an_error_naming_all),
		cmocka_unit_test(test_dash_with_empty_input_is_an_error),
		cmocka_unit_test(test_bad_customer_id_names_line),
	};

	crm_diag_init("test_stream");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
