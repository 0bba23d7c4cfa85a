/* cli — shared options, today, store path, stdout finishing, progress (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "diag.h"

bool
crm_cli_common(int opt, const char *arg, struct crm_common *c, const char *usage)
{
	switch (opt) {
	case CRM_OPT_DB:
		c->db_path = arg;
		return true;
	case CRM_OPT_CONFIG:
		c->config_path = arg;
		return true;
	case CRM_OPT_AS_OF:
		c->as_of = arg;
		return true;
	case 'q':
		c->quiet = true;
		return true;
	case 't':
		c->tsv = true;
		return true;
	case CRM_OPT_EXCEL_SAFE:
		c->excel_safe = true;
		return true;
	case 'h':
		fputs(usage, stdout);
		exit(crm_cli_finish(CRM_EX_OK));
	case CRM_OPT_VERSION:
		printf("%s (crm-tools) %s\n", crm_progname(), CRM_VERSION);
		exit(crm_cli_finish(CRM_EX_OK));
	}
	return false;
}

void
crm_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	crm_vwarn(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", crm_progname());
	exit(CRM_EX_USAGE);
}

int
crm_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int opt;

	opterr = 0;
	opt = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (opt == '?') {
		if (optopt != 0 && optopt < 256)
			crm_cli_usage_error("unknown option '-%c'", optopt);
		crm_cli_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (opt == ':')
		crm_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
	return opt;
}

bool
crm_cli_dash(int argc, char **argv, bool all)
{
	bool dash = false;

	if (optind < argc && strcmp(argv[optind], "-") == 0) {
		dash = true;
		optind++;
	}
	if (optind < argc)
		crm_cli_usage_error("unexpected argument \"%s\" (the input is standard input "
		                    "or the store)", argv[optind]);
	if (dash && all)
		crm_cli_usage_error("- and --all contradict each other");
	return dash;
}

int64_t
crm_cli_now(const struct crm_common *c)
{
	const char *s = c->as_of;
	struct crm_datetime dt;
	int64_t days;
	time_t now;
	struct tm tm;

	if (s == NULL || *s == '\0')
		s = getenv("CRM_TODAY");
	if (s != NULL && *s != '\0') {
		if (crm_date_parse_iso(s, &days) == 0)
			return days * 86400 + 86399;
		if (strlen(s) > 10 && (s[10] == ' ' || s[10] == 'T') &&
		    crm_date_parse(s, CRM_DATE_YMD, false, &dt) == 0 && dt.has_time)
			return dt.days * 86400 + dt.secs;
		crm_cli_usage_error("cannot read \"%s\" as a date (want YYYY-MM-DD, or "
		                    "YYYY-MM-DD HH:MM)", s);
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		crm_die(CRM_EX_SOFTWARE, "cannot read the local time");
	return crm_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
	    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

int64_t
crm_cli_today(const struct crm_common *c)
{
	int64_t secs = crm_cli_now(c);

	/* floor, for days before 1970 */
	return (secs - (secs < 0 ? 86399 : 0)) / 86400;
}

void
crm_cli_now_text(const struct crm_common *c, char out[32])
{
	int64_t secs = crm_cli_now(c), day = crm_cli_today(c), in_day = secs - day * 86400;
	char date[16];

	crm_date_format(day, date);
	snprintf(out, 32, "%s %02d:%02d:%02d", date, (int)(in_day / 3600), (int)(in_day / 60 % 60),
	         (int)(in_day % 60));
}

char *
crm_cli_db_path(const struct crm_common *c)
{
	const char *env, *home;

	if (c->db_path != NULL)
		return crm_xstrdup(c->db_path);
	env = getenv("CRM_DB");
	if (env != NULL && *env != '\0')
		return crm_xstrdup(env);
	env = getenv("XDG_DATA_HOME");
	if (env != NULL && *env == '/')
		return crm_xasprintf("%s/crm/crm.db", env);
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		crm_die(CRM_EX_USAGE, "no store given: set --db, CRM_DB or HOME");
	return crm_xasprintf("%s/.local/share/crm/crm.db", home);
}

/* --output FILE, once crm_cli_output has made it standard output. */
static const char *output_path;

int
crm_cli_finish(int status)
{
	/* A full disk must never look like success (STYLE practice 7). */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return status;
		crm_warn_errno("write error on %s", output_path ? output_path : "standard output");
		return CRM_EX_IOERR;
	}
	if (fclose(stdout) != 0 && errno != EPIPE) {
		crm_warn_errno("write error on %s", output_path ? output_path : "standard output");
		return CRM_EX_IOERR;
	}
	return status;
}

void
crm_cli_output(const char *path, bool binary)
{
	int fd;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (binary && isatty(STDOUT_FILENO))
			crm_die(CRM_EX_USAGE, "will not write an .xlsx workbook to a terminal; "
			        "redirect stdout or use --output FILE");
		return;
	}
	if (*path == '\0')
		crm_cli_usage_error("option '--output' needs a file name");
	/* Nothing is written yet: the file simply takes stdout's place. */
	if (fflush(stdout) != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		crm_die_errno(CRM_EX_CANTCREAT, "%s: cannot create", path);
	if (fd != STDOUT_FILENO) {
		if (dup2(fd, STDOUT_FILENO) < 0)
			crm_die_errno(CRM_EX_CANTCREAT, "%s: cannot create", path);
		(void)close(fd);
	}
	output_path = path;
}

const char *
crm_cli_output_name(void)
{
	return output_path ? output_path : "<stdout>";
}

FILE *
crm_cli_spool(void)
{
	const char *dir = crm_tmpdir();
	char *path;
	FILE *fp;
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* A file system without O_TMPFILE: a named file, unlinked at once. */
		path = crm_xasprintf("%s/crm-spool-XXXXXX", dir);
		if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
			(void)unlink(path);
		free(path);
	}
	if (fd < 0)
		return NULL;
	if ((fp = fdopen(fd, "w+")) == NULL)
		(void)close(fd);
	return fp;
}

bool
crm_cli_spool_out(FILE *spool)
{
	char buf[1 << 16];
	size_t n;

	if (fflush(spool) != 0 || ferror(spool) || fseek(spool, 0, SEEK_SET) != 0) {
		(void)fclose(spool);
		return false;
	}
	while ((n = fread(buf, 1, sizeof buf, spool)) > 0)
		fwrite(buf, 1, n, stdout);
	/* Part of it is out: it cannot be written again. */
	if (ferror(spool))
		crm_die_errno(CRM_EX_IOERR, "cannot read the list back from its temporary file");
	(void)fclose(spool);
	return true;
}

long long
crm_cli_number(const char *opt, const char *arg, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		crm_cli_usage_error("option '%s': \"%s\" is not a number from %lld to %lld",
		                    opt, arg, min, max);
	return v;
}

static time_t progress_last;
static int progress_shown;

void
crm_progress(const struct crm_common *c, const char *name, long long count)
{
	char num[32];
	time_t now;

	static int stderr_tty = -1;

	if (stderr_tty < 0)
		stderr_tty = isatty(STDERR_FILENO);
	if (c->quiet || !stderr_tty)
		return;
	now = time(NULL);
	if (now == progress_last)
		return;
	progress_last = now;
	progress_shown = 1;
	fprintf(stderr, "\r%s: %s rows\033[K", name, crm_thousands(count, num));
}

void
crm_progress_done(const struct crm_common *c)
{
	(void)c;
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = 0;
}

const char *
crm_thousands(long long n, char *out)
{
	char digits[24];
	int len, i, o = 0;
	unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

	len = snprintf(digits, sizeof digits, "%llu", u);
	if (n < 0)
		out[o++] = '-';
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}
