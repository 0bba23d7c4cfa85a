/*
 * crm — the dispatcher: "crm import ..." runs "crm-import ...", as git does.
 * (crm-tools-dispatcher: this marker lets "make install" recognise our crm.)
 *
 * The tool is looked for next to this binary first, then on PATH. "crm help"
 * lists the tools that are actually installed; "crm help TOOL" opens its
 * manual page.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

/* The tools and their one-line summaries (also the order of "crm help"). */
static const struct tool {
	const char *name;
	const char *summary;
} tools[] = {
	{"import", "load customers, orders, interactions and tickets from CSV/TSV exports"},
	{"dedupe", "find duplicate customers, merge them reversibly, label clusters"},
	{"segment", "RFM scores and segments, lifecycle stages, rule segments"},
	{"score", "P(alive), expected purchases, CLV; health and lead scores"},
	{"report", "KPI reports for a period against earlier periods and targets"},
	{"remind", "due follow-ups, complaint SLA escalations, win-back, birthdays"},
	{"forget", "erase customers completely (a request to be forgotten)"},
};

static const char usage[] =
	"usage: crm TOOL [ARGS...]\n"
	"       crm help [TOOL]\n"
	"       crm --version\n"
	"Runs crm-TOOL with ARGS. 'crm help' lists the installed tools.\n";

/* Directory of this executable, from /proc/self/exe; "" when unknown. */
static void
self_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n <= 0) {
		dir[0] = '\0';
		return;
	}
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
}

/* Full path of crm-NAME next to us, or NULL to search PATH. */
static char *
sibling(const char *name)
{
	char dir[PATH_MAX];
	char *path;

	self_dir(dir, sizeof dir);
	if (dir[0] == '\0')
		return NULL;
	path = crm_xasprintf("%s/crm-%s", dir, name);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* True when crm-NAME can be run (next to us or on PATH). */
static int
installed(const char *name)
{
	char *path = sibling(name);
	const char *env = getenv("PATH");
	char *dirs, *d, *save = NULL;
	int found = 0;

	if (path) {
		free(path);
		return 1;
	}
	if (env == NULL)
		return 0;
	dirs = crm_xstrdup(env);
	for (d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		path = crm_xasprintf("%s/crm-%s", *d ? d : ".", name);
		found = access(path, X_OK) == 0;
		free(path);
	}
	free(dirs);
	return found;
}

static int
list_tools(void)
{
	size_t i;

	printf("usage: crm TOOL [ARGS...]   (or run crm-TOOL directly)\n\ntools:\n");
	for (i = 0; i < sizeof tools / sizeof tools[0]; i++)
		if (installed(tools[i].name))
			printf("  %-8s %s\n", tools[i].name, tools[i].summary);
	printf("\n'crm help TOOL' shows a tool's manual; 'man crm' the overview.\n");
	return 0;
}

static int
run_tool(const char *name, char **argv)
{
	char *path = sibling(name);
	char *prog = crm_xasprintf("crm-%s", name);

	if (strchr(name, '/') != NULL)
		crm_die(CRM_EX_USAGE, "'%s' is not a crm tool; see 'crm help'", name);
	argv[0] = prog;
	if (path)
		execv(path, argv);
	else
		execvp(prog, argv);
	if (errno == ENOENT)
		crm_die(CRM_EX_USAGE, "'%s' is not a crm tool; see 'crm help'", name);
	crm_die_errno(CRM_EX_SOFTWARE, "cannot run %s", prog);
}

int
main(int argc, char **argv)
{
	char *page;

	crm_diag_init(argv[0]);
	if (argc < 2) {
		fputs(usage, stderr);
		return CRM_EX_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("crm (crm-tools) %s\n", CRM_VERSION);
		return fflush(stdout) == 0 ? 0 : CRM_EX_IOERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return fflush(stdout) == 0 ? 0 : CRM_EX_IOERR;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2)
			return fflush(stdout), list_tools();
		page = crm_xasprintf("crm-%s", argv[2]);
		execlp("man", "man", page, (char *)NULL);
		crm_die_errno(CRM_EX_SOFTWARE, "cannot run man");
	}
	if (argv[1][0] == '-')
		crm_die(CRM_EX_USAGE, "unknown option '%s'; see 'crm --help'", argv[1]);
	return run_tool(argv[1], argv + 1);
}
