/*
 * cli — the command-line plumbing every crm tool shares.
 *
 * Each tool keeps its own getopt_long table and appends CRM_CLI_COMMON_OPTIONS
 * to it; options the tool does not handle itself go to crm_cli_common(). The
 * same table is what --help, the man page check and the completions read.
 * Also here: "today" (--as-of, $CRM_TODAY), the store path lookup, closing
 * stdout with the write check of STYLE practice 7, and the progress bar that
 * only appears when stderr is a terminal.
 */
#ifndef CRM_CLI_H
#define CRM_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Option ids for the shared long options without a short form (above any
 * short-option char); --quiet, --tsv and --help use 'q', 't' and 'h'. */
enum crm_cli_opt {
	CRM_OPT_DB = 1000,
	CRM_OPT_CONFIG,
	CRM_OPT_AS_OF,
	CRM_OPT_EXCEL_SAFE,
	CRM_OPT_VERSION,
};

/* Spliced at the end of each tool's struct option table (before the {0}). */
#define CRM_CLI_COMMON_OPTIONS                                            \
	{"db", required_argument, NULL, CRM_OPT_DB},                     \
	{"config", required_argument, NULL, CRM_OPT_CONFIG},             \
	{"as-of", required_argument, NULL, CRM_OPT_AS_OF},               \
	{"quiet", no_argument, NULL, 'q'},                               \
	{"tsv", no_argument, NULL, 't'},                                 \
	{"excel-safe", no_argument, NULL, CRM_OPT_EXCEL_SAFE},           \
	{"help", no_argument, NULL, 'h'},                                \
	{"version", no_argument, NULL, CRM_OPT_VERSION}

/* Short options every tool accepts; tools prepend their own. */
#define CRM_CLI_COMMON_SHORT "qth"

/* Usage lines for the common options, for each tool's --help. */
#define CRM_CLI_COMMON_HELP                                                          \
	"      --db PATH          store file (default $CRM_DB, else\n"                  \
	"                         $XDG_DATA_HOME/crm/crm.db)\n"                           \
	"      --config PATH      configuration file (default $CRM_CONFIG, else\n"      \
	"                         $XDG_CONFIG_HOME/crm/config.yaml)\n"                    \
	"      --as-of DATE       take DATE (YYYY-MM-DD) as today (default $CRM_TODAY)\n" \
	"  -q, --quiet            no summary on stderr\n"                                 \
	"  -t, --tsv              write TSV instead of CSV\n"                             \
	"      --excel-safe       neutralise cells starting with = + - @\n"              \
	"  -h, --help             show this help and exit\n"                              \
	"      --version          show the version and exit\n"

/* The shared settings, filled by crm_cli_common(). */
struct crm_common {
	const char *db_path;     /* --db, or NULL for the lookup */
	const char *config_path; /* --config, or NULL for the lookup */
	const char *as_of;       /* --as-of as given, or NULL */
	bool quiet;
	bool tsv;
	bool excel_safe;
};

/* Handle one shared option (opt as returned by getopt_long, with optarg).
 * Returns true when it was one; prints help (usage, stdout, exit 0) or the
 * version (exit 0) itself. usage is the tool's whole --help text. */
bool crm_cli_common(int opt, const char *arg, struct crm_common *c, const char *usage);

/* Report a usage error: "prog: message", then "Try 'prog --help'." on
 * stderr, exit 64. */
_Noreturn void crm_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long with the tool's table; unknown options and missing arguments
 * end in crm_cli_usage_error. Returns like getopt_long. */
int crm_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* "Now" as seconds since 1970-01-01 00:00 in local time: --as-of, else
 * $CRM_TODAY, else the clock. "YYYY-MM-DD" means the end of that day
 * (23:59:59), "YYYY-MM-DD HH:MM[:SS]" that moment. A bad value is a usage
 * error (64). */
int64_t crm_cli_now(const struct crm_common *c);
/* Today as days since 1970-01-01: the day of crm_cli_now. */
int64_t crm_cli_today(const struct crm_common *c);
/* crm_cli_now as "YYYY-MM-DD HH:MM:SS", for the store's time columns. */
void crm_cli_now_text(const struct crm_common *c, char out[32]);

/* The store path: --db, else $CRM_DB, else $XDG_DATA_HOME/crm/crm.db, else
 * ~/.local/share/crm/crm.db. Newly allocated. */
char *crm_cli_db_path(const struct crm_common *c);

/* Flush and close stdout; on failure print "prog: write error: ..." and
 * return CRM_EX_IOERR, else status unchanged. Call as the last step. */
int crm_cli_finish(int status);

/* Where the results go, decided once the options are parsed and before any
 * work. path: --output FILE, or NULL (or "-") for standard output. FILE is
 * created (or truncated) now and becomes standard output, so every writer
 * and the default --format (text only on a terminal) follow it; one that
 * cannot be created is "prog: FILE: cannot create: ..." and exit 74.
 * binary: the results are a workbook, which never goes to a terminal: with
 * no FILE and stdout a terminal, "prog: will not write an .xlsx workbook to
 * a terminal; redirect stdout or use --output FILE" and exit 64. */
void crm_cli_output(const char *path, bool binary);
/* The results' name for messages: the --output FILE, else "<stdout>". */
const char *crm_cli_output_name(void);

/* Results held back until they may go out (crm-remind's list until the
 * store has its reminders): an unnamed temporary file in $TMPDIR (else
 * /tmp), gone when closed; NULL (errno set) when none can be made. On disk,
 * not in memory: a million rows' 230 MB would cost seconds of page faults. */
FILE *crm_cli_spool(void);
/* What was written to spool, from its start, to stdout; spool closed.
 * false when the spool could not hold it all (a full disk), found before
 * anything is written: the caller writes the results again itself. A spool
 * that cannot be read back once part of it is out is fatal (74). Errors
 * writing stdout are crm_cli_finish's. */
bool crm_cli_spool_out(FILE *spool);

/* What may follow a stream tool's options: an optional "-" (standard input
 * is a customer stream), nothing else. Returns true for "-". Anything more,
 * or "-" with --all (all), is a usage error (64). */
bool crm_cli_dash(int argc, char **argv, bool all);

/* Parse a whole non-negative decimal option value in [min, max]; anything
 * else is a usage error naming the option. */
long long crm_cli_number(const char *opt, const char *arg, long long min, long long max);

/* A progress line on stderr, shown only when stderr is a terminal and not
 * quiet: "name: 1,234,567 rows". Rate-limited; crm_progress_done clears it. */
void crm_progress(const struct crm_common *c, const char *name, long long count);
void crm_progress_done(const struct crm_common *c);

/* Format n with thousands separators ("120,000") into out (>= 32 bytes). */
const char *crm_thousands(long long n, char *out);

#endif
