/*
 * test_config — lib/config.c: defaults, every key, every error message
 * (stderr captured and compared whole), lookup through $CRM_CONFIG,
 * $XDG_CONFIG_HOME and $HOME, and exact decimal exchange rates.
 *
 * Runs in a fresh temporary directory with HOME pointing into it, so the
 * user's own ~/.config/crm/config.yaml never takes part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

static char tmpdir[] = "/tmp/crm-test-config.XXXXXX";

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* crm_config_load(path) with stderr captured into *err (free it). */
static int
load_capture(const char *path, struct crm_config **out, char **err)
{
	crm_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;
	int saved, fd, rc;

	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	fd = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	rc = crm_config_load(path, out);
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	f = fopen("stderr.txt", "rb");
	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		crm_buf_append(&b, chunk, n);
	fclose(f);
	*err = crm_xstrdup(crm_buf_str(&b));
	crm_buf_free(&b);
	return rc;
}

/* Load yaml from "config.yaml"; expect success and no output. */
static struct crm_config *
load_ok(const char *yaml)
{
	struct crm_config *c = NULL;
	char *err;
	int rc;

	write_file("config.yaml", yaml);
	rc = load_capture("config.yaml", &c, &err);
	assert_string_equal(err, "");
	assert_int_equal(rc, 0);
	assert_non_null(c);
	free(err);
	return c;
}

/* Load yaml from "config.yaml"; expect exit status 78 and exactly the
 * message want on stderr. */
static void
load_fails(const char *yaml, const char *want)
{
	struct crm_config *c = (struct crm_config *)1;
	char *err;
	int rc;

	write_file("config.yaml", yaml);
	rc = load_capture("config.yaml", &c, &err);
	assert_string_equal(err, want);
	assert_int_equal(rc, CRM_EX_CONFIG);
	assert_null(c);
	free(err);
}

static void
assert_defaults(const struct crm_config *c)
{
	assert_string_equal(c->currency, "CNY");
	assert_string_equal(c->phone_region, "CN");
	assert_int_equal(c->date_order, CRM_DATE_DMY);
	assert_int_equal(c->roc_years, 1);
	assert_int_equal(c->busy_timeout_ms, 10000);
	assert_int_equal(c->nrates, 0);
	assert_int_equal(c->nsynonyms, 0);
	assert_int_equal(c->nsegments, 0);
}

static int
reset_env(void **state)
{
	char *home;

	(void)state;
	unsetenv("CRM_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	home = crm_xasprintf("%s/home", tmpdir);
	setenv("HOME", home, 1);
	free(home);
	unlink("config.yaml");
	return 0;
}

static void
test_defaults(void **state)
{
	struct crm_config *c;
	char *err;

	(void)state;
	c = crm_config_defaults();
	assert_defaults(c);
	assert_null(c->path);
	crm_config_free(c);

	/* No file anywhere: defaults, silently. */
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(err, "");
	assert_defaults(c);
	assert_null(c->path);
	crm_config_free(c);
	free(err);
}

static void
test_empty_files(void **state)
{
	static const char *const empty[] = {
		"", "\n", "# only a comment\n", "---\n", "~\n", "\xef\xbb\xbf",
		"headers:\nsegments:\nexchange_rates:\nstore:\n",
	};
	struct crm_config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		c = load_ok(empty[i]);
		assert_defaults(c);
		assert_string_equal(c->path, "config.yaml");
		crm_config_free(c);
	}
}

static void
test_every_key(void **state)
{
	struct crm_config *c;

	(void)state;
	c = load_ok("# all keys\n"
	    "currency: TWD\n"
	    "phone_region: tw\n"
	    "date_order: mdy\n"
	    "roc_years: false\n"
	    "exchange_rates:\n"
	    "  USD: 31.5\n"
	    "  CNY: \"4.35\"\n"
	    "  TWD: 1\n"
	    "headers:\n"
	    "  customers:\n"
	    "    name: [Client Name, Contact]\n"
	    "    email: E-mail address\n"
	    "  orders:\n"
	    "    amount:\n"
	    "      - Total\n"
	    "      - Grand total\n"
	    "segments:\n"
	    "  vip: \"monetary > 10000 and frequency >= 5\"\n"
	    "  _lapsed2: 'recency_days > 365'\n"
	    "store:\n"
	    "  busy_timeout_ms: 0\n");
	assert_string_equal(c->currency, "TWD");
	assert_string_equal(c->phone_region, "TW");
	assert_int_equal(c->date_order, CRM_DATE_MDY);
	assert_int_equal(c->roc_years, 0);
	assert_int_equal(c->busy_timeout_ms, 0);

	assert_int_equal(c->nrates, 3);
	assert_string_equal(c->rates[0].currency, "USD");
	assert_int_equal(c->rates[0].micro, 31500000);
	assert_string_equal(c->rates[1].currency, "CNY");
	assert_int_equal(c->rates[1].micro, 4350000);

	assert_int_equal(c->nsynonyms, 5);
	assert_string_equal(c->synonyms[0].kind, "customers");
	assert_string_equal(c->synonyms[0].field, "name");
	assert_string_equal(c->synonyms[0].header, "Client Name");
	assert_int_equal(c->synonyms[0].line, 12);
	assert_string_equal(c->synonyms[1].header, "Contact");
	assert_string_equal(c->synonyms[2].field, "email");
	assert_string_equal(c->synonyms[2].header, "E-mail address");
	assert_int_equal(c->synonyms[2].line, 13);
	assert_string_equal(c->synonyms[3].kind, "orders");
	assert_string_equal(c->synonyms[3].field, "amount");
	assert_string_equal(c->synonyms[3].header, "Total");
	assert_int_equal(c->synonyms[3].line, 16);
	assert_string_equal(c->synonyms[4].header, "Grand total");
	assert_int_equal(c->synonyms[4].line, 17);

	assert_int_equal(c->nsegments, 2);
	assert_string_equal(c->segments[0].name, "vip");
	assert_string_equal(c->segments[0].expr,
	    "monetary > 10000 and frequency >= 5");
	assert_int_equal(c->segments[0].line, 19);
	assert_string_equal(c->segments[1].name, "_lapsed2");
	assert_string_equal(c->segments[1].expr, "recency_days > 365");
	crm_config_free(c);

	/* The other spellings of the enum and the booleans, the range ends. */
	c = load_ok("date_order: YMD\nroc_years: yes\n"
	    "store: {busy_timeout_ms: 3600000}\n");
	assert_int_equal(c->date_order, CRM_DATE_YMD);
	assert_int_equal(c->roc_years, 1);
	assert_int_equal(c->busy_timeout_ms, 3600000);
	crm_config_free(c);
	c = load_ok("date_order: dmy\nroc_years: Off\n");
	assert_int_equal(c->date_order, CRM_DATE_DMY);
	assert_int_equal(c->roc_years, 0);
	crm_config_free(c);
	c = load_ok("roc_years: on\n");
	assert_int_equal(c->roc_years, 1);
	crm_config_free(c);
}

static void
test_cjk_headers(void **state)
{
	struct crm_config *c;

	(void)state;
	c = load_ok("headers: {customers: {name: [客户姓名, 聯絡人]}, "
	    "orders: {amount: 订单金额}}\n");
	assert_int_equal(c->nsynonyms, 3);
	assert_string_equal(c->synonyms[0].kind, "customers");
	assert_string_equal(c->synonyms[0].field, "name");
	assert_string_equal(c->synonyms[0].header, "客户姓名");
	assert_string_equal(c->synonyms[1].header, "聯絡人");
	assert_int_equal(c->synonyms[1].line, 1);
	assert_string_equal(c->synonyms[2].kind, "orders");
	assert_string_equal(c->synonyms[2].field, "amount");
	assert_string_equal(c->synonyms[2].header, "订单金额");
	crm_config_free(c);
}

/* The full file in EXAMPLES of man/crm-config.5, verbatim. */
static void
test_manual_example(void **state)
{
	struct crm_config *c;

	(void)state;
	c = load_ok(
	    "# ~/.config/crm/config.yaml\n"
	    "currency: TWD\n"
	    "phone_region: TW\n"
	    "date_order: ymd\n"
	    "roc_years: true\n"
	    "\n"
	    "exchange_rates:\n"
	    "  USD: 31.5\n"
	    "  CNY: 4.35\n"
	    "\n"
	    "headers:\n"
	    "  customers:\n"
	    "    name: [客戶姓名, 聯絡人]\n"
	    "    phone: 手機\n"
	    "  orders:\n"
	    "    amount: [訂單金額, 金額]\n"
	    "    ordered_at: 下單時間\n"
	    "\n"
	    "segments:\n"
	    "  vip: \"monetary > 100000\"\n"
	    "  at_risk: \"recency_days > 180 and frequency >= 3\"\n"
	    "\n"
	    "store:\n"
	    "  busy_timeout_ms: 30000\n");
	assert_string_equal(c->currency, "TWD");
	assert_string_equal(c->phone_region, "TW");
	assert_int_equal(c->date_order, CRM_DATE_YMD);
	assert_int_equal(c->roc_years, 1);
	assert_int_equal(crm_config_rate(c, "USD"), 31500000);
	assert_int_equal(crm_config_rate(c, "CNY"), 4350000);
	assert_int_equal(c->nsynonyms, 6);
	assert_int_equal(c->nsegments, 2);
	assert_int_equal(c->busy_timeout_ms, 30000);
	crm_config_free(c);
}

/* One exchange rate as text → micro-units, or -1 when it must fail. */
static int64_t
rate_of(const char *text)
{
	struct crm_config *c = NULL;
	char *yaml, *err;
	int64_t micro = -1;

	yaml = crm_xasprintf("exchange_rates:\n  USD: %s\n", text);
	write_file("config.yaml", yaml);
	if (load_capture("config.yaml", &c, &err) == 0) {
		assert_string_equal(err, "");
		assert_int_equal(c->nrates, 1);
		micro = c->rates[0].micro;
		crm_config_free(c);
	} else
		assert_null(c);
	free(err);
	free(yaml);
	return micro;
}

static void
test_rates_exact(void **state)
{
	(void)state;
	assert_int_equal(rate_of("7.1"), 7100000);
	assert_int_equal(rate_of("0.2213"), 221300);
	assert_int_equal(rate_of("0.000001"), 1);
	assert_int_equal(rate_of("1"), 1000000);
	assert_int_equal(rate_of("\"7.10\""), 7100000);
	assert_int_equal(rate_of("7.100000000"), 7100000);
	assert_int_equal(rate_of("9223372036854.775807"), INT64_MAX);
	assert_int_equal(rate_of("0.0000001"), -1);
	assert_int_equal(rate_of("0"), -1);
	assert_int_equal(rate_of("0.000"), -1);
	assert_int_equal(rate_of("-7.1"), -1);
	assert_int_equal(rate_of("7,1"), -1);
	assert_int_equal(rate_of("7.1x"), -1);
	assert_int_equal(rate_of(".5"), -1);
	assert_int_equal(rate_of("5."), -1);
	assert_int_equal(rate_of("1e3"), -1);
	assert_int_equal(rate_of("+1"), -1);
	assert_int_equal(rate_of("\" 1\""), -1);
	assert_int_equal(rate_of("9223372036854.775808"), -1);
	assert_int_equal(rate_of("99999999999999999999"), -1);
}

static void
test_rate_lookup(void **state)
{
	struct crm_config *c;

	(void)state;
	c = load_ok("exchange_rates: {USD: 7.1, TWD: 0.2213}\n");
	assert_int_equal(crm_config_rate(c, "CNY"), 1000000);
	assert_int_equal(crm_config_rate(c, "USD"), 7100000);
	assert_int_equal(crm_config_rate(c, "usd"), 7100000);
	assert_int_equal(crm_config_rate(c, "TWD"), 221300);
	assert_int_equal(crm_config_rate(c, "EUR"), -1);
	assert_int_equal(crm_config_rate(c, ""), -1);
	assert_int_equal(crm_config_rate(c, NULL), -1);
	crm_config_free(c);

	c = crm_config_defaults();
	assert_int_equal(crm_config_rate(c, "CNY"), 1000000);
	assert_int_equal(crm_config_rate(c, "USD"), -1);
	crm_config_free(c);
}

static void
test_rate_errors(void **state)
{
	(void)state;
	load_fails("exchange_rates:\n  USD: 0.0000001\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: \"0.0000001\" has "
	    "more than 6 decimal places\n");
	load_fails("exchange_rates:\n  USD: -7.1\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: \"-7.1\" is not a "
	    "positive rate\n");
	load_fails("exchange_rates:\n  USD: 0\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: \"0\" is not a "
	    "positive rate\n");
	load_fails("exchange_rates:\n  USD: seven\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: \"seven\" is not a "
	    "decimal number\n");
	load_fails("exchange_rates:\n  USD: 99999999999999999999\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: "
	    "\"99999999999999999999\" is too large\n");
	load_fails("exchange_rates:\n  US: 7.1\n",
	    "crm-import: config.yaml:2: exchange_rates.US: \"US\" is not a "
	    "3-letter currency code\n");
	load_fails("exchange_rates:\n  usd: 7.1\n",
	    "crm-import: config.yaml:2: exchange_rates.usd: \"usd\" is not a "
	    "3-letter currency code (write it in capitals: \"USD\")\n");
	load_fails("exchange_rates:\n  USD: [7.1]\n",
	    "crm-import: config.yaml:2: exchange_rates.USD: expected a rate, "
	    "found a list\n");
	load_fails("exchange_rates: [USD, 7.1]\n",
	    "crm-import: config.yaml:1: exchange_rates: expected a map, found "
	    "a list\n");
	load_fails("exchange_rates:\n  USD: 7.1\n  EUR: 7.8\n  USD: 7.2\n",
	    "crm-import: config.yaml:4: duplicate key \"exchange_rates.USD\" "
	    "(first on line 2)\n");
	load_fails("segments:\n  vip: a\n  vip: b\n",
	    "crm-import: config.yaml:3: duplicate key \"segments.vip\" "
	    "(first on line 2)\n");
	load_fails("currency: USD\nexchange_rates: {USD: 2, EUR: 1.1}\n",
	    "crm-import: config.yaml: exchange_rates.USD: the base currency's "
	    "rate must be 1\n");
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	load_fails("currency: CNY\n"
	    "\n"
	    "# comment\n"
	    "date_order: dmy\n"
	    "roc_years: true\n"
	    "\n"
	    "phone_regon: TW\n",
	    "crm-import: config.yaml:7: unknown key \"phone_regon\" "
	    "(did you mean \"phone_region\"?)\n");
	load_fails("frobnicate: 1\n",
	    "crm-import: config.yaml:1: unknown key \"frobnicate\"\n");
	load_fails("Currency: CNY\n",
	    "crm-import: config.yaml:1: unknown key \"Currency\" "
	    "(did you mean \"currency\"?)\n");
	load_fails("store:\n  busy_timeout: 5\n",
	    "crm-import: config.yaml:2: unknown key \"store.busy_timeout\" "
	    "(did you mean \"store.busy_timeout_ms\"?)\n");
	load_fails("store:\n  journal: wal\n",
	    "crm-import: config.yaml:2: unknown key \"store.journal\"\n");
	/* A key in the wrong section: the full path is suggested. */
	load_fails("busy_timeout_ms: 5\n",
	    "crm-import: config.yaml:1: unknown key \"busy_timeout_ms\" "
	    "(did you mean \"store.busy_timeout_ms\"?)\n");
	load_fails("stor:\n  busy_timeout_ms: 5\n",
	    "crm-import: config.yaml:1: unknown key \"stor\" "
	    "(did you mean \"store\"?)\n");
	load_fails("[a]: 1\n",
	    "crm-import: config.yaml:1: top level: expected a key name, found "
	    "a list\n");
}

static void
test_headers_errors(void **state)
{
	(void)state;
	load_fails("headers:\n  order:\n    amount: Total\n",
	    "crm-import: config.yaml:2: headers.order: unknown kind \"order\" "
	    "(did you mean \"orders\"?)\n");
	load_fails("headers:\n  people:\n    name: Who\n",
	    "crm-import: config.yaml:2: headers.people: unknown kind \"people\" "
	    "(kinds are customers, orders, interactions, tickets)\n");
	load_fails("headers:\n  - customers\n",
	    "crm-import: config.yaml:2: headers: expected a map, found a list\n");
	load_fails("headers:\n  customers: [name, Name]\n",
	    "crm-import: config.yaml:2: headers.customers: expected a map of "
	    "fields, found a list\n");
	load_fails("headers:\n  customers:\n    name: {a: b}\n",
	    "crm-import: config.yaml:3: headers.customers.name: expected a "
	    "column header, found a map\n");
	load_fails("headers:\n  customers:\n    name: [ok, [nested]]\n",
	    "crm-import: config.yaml:3: headers.customers.name: expected a "
	    "column header, found a list\n");
	load_fails("headers:\n  customers:\n    name: \"\"\n",
	    "crm-import: config.yaml:3: headers.customers.name: empty column "
	    "header\n");
	load_fails("headers:\n  customers:\n    name: A\n    name: B\n",
	    "crm-import: config.yaml:4: duplicate key "
	    "\"headers.customers.name\" (first on line 3)\n");
}

static void
test_segment_errors(void **state)
{
	(void)state;
	load_fails("segments:\n  Big-Spenders: \"monetary > 1\"\n",
	    "crm-import: config.yaml:2: segments.Big-Spenders: \"Big-Spenders\" "
	    "is not a segment name (use a-z, 0-9 and _, not starting with a "
	    "digit)\n");
	load_fails("segments:\n  2nd: \"x\"\n",
	    "crm-import: config.yaml:2: segments.2nd: \"2nd\" is not a segment "
	    "name (use a-z, 0-9 and _, not starting with a digit)\n");
	load_fails("segments:\n  vip: ''\n",
	    "crm-import: config.yaml:2: segments.vip: empty expression\n");
	load_fails("segments:\n  vip: [a, b]\n",
	    "crm-import: config.yaml:2: segments.vip: expected an expression, "
	    "found a list\n");
}

static void
test_bad_values(void **state)
{
	(void)state;
	load_fails("\n\ncurrency: RMBX\n",
	    "crm-import: config.yaml:3: currency: \"RMBX\" is not a 3-letter "
	    "currency code\n");
	load_fails("currency: cny\n",
	    "crm-import: config.yaml:1: currency: \"cny\" is not a 3-letter "
	    "currency code (write it in capitals: \"CNY\")\n");
	load_fails("currency:\n",
	    "crm-import: config.yaml:1: currency: no value given\n");
	load_fails("phone_region: CHN\n",
	    "crm-import: config.yaml:1: phone_region: \"CHN\" is not a 2-letter "
	    "region code\n");
	load_fails("phone_region: \"C1\"\n",
	    "crm-import: config.yaml:1: phone_region: \"C1\" is not a 2-letter "
	    "region code\n");
	load_fails("date_order: dym\n",
	    "crm-import: config.yaml:1: date_order: \"dym\" is not one of dmy, "
	    "mdy, ymd (did you mean \"dmy\"?)\n");
	load_fails("date_order: european\n",
	    "crm-import: config.yaml:1: date_order: \"european\" is not one of "
	    "dmy, mdy, ymd\n");
	load_fails("roc_years: maybe\n",
	    "crm-import: config.yaml:1: roc_years: \"maybe\" is not true or "
	    "false\n");
	load_fails("store:\n  busy_timeout_ms: 3600001\n",
	    "crm-import: config.yaml:2: store.busy_timeout_ms: 3600001 is out of "
	    "range (0 to 3600000)\n");
	load_fails("store:\n  busy_timeout_ms: -1\n",
	    "crm-import: config.yaml:2: store.busy_timeout_ms: -1 is out of "
	    "range (0 to 3600000)\n");
	load_fails("store:\n  busy_timeout_ms: 99999999999999999999999\n",
	    "crm-import: config.yaml:2: store.busy_timeout_ms: "
	    "99999999999999999999999 is out of range (0 to 3600000)\n");
	load_fails("store:\n  busy_timeout_ms: 10s\n",
	    "crm-import: config.yaml:2: store.busy_timeout_ms: \"10s\" is not a "
	    "whole number\n");
	load_fails("store:\n  busy_timeout_ms: 1.5\n",
	    "crm-import: config.yaml:2: store.busy_timeout_ms: \"1.5\" is not a "
	    "whole number\n");
	load_fails("currency: \"C\\0Y\"\n",
	    "crm-import: config.yaml:1: currency: value contains a NUL byte\n");
}

static void
test_bad_types(void **state)
{
	(void)state;
	load_fails("currency: {code: CNY}\n",
	    "crm-import: config.yaml:1: currency: expected a currency code, "
	    "found a map\n");
	load_fails("roc_years: [true]\n",
	    "crm-import: config.yaml:1: roc_years: expected true or false, "
	    "found a list\n");
	load_fails("store: 5000\n",
	    "crm-import: config.yaml:1: store: expected a map, found a single "
	    "value\n");
	load_fails("segments: \"vip\"\n",
	    "crm-import: config.yaml:1: segments: expected a map, found a single "
	    "value\n");
	load_fails("- currency: CNY\n",
	    "crm-import: config.yaml:1: expected a map of settings, found a "
	    "list\n");
	load_fails("just text\n",
	    "crm-import: config.yaml:1: expected a map of settings, found a "
	    "single value\n");
}

static void
test_several_errors(void **state)
{
	(void)state;
	/* Every error is reported, in file order, not just the first. */
	load_fails("currency: RMBX\nphone_regon: TW\ncurrency: USD\n",
	    "crm-import: config.yaml:1: currency: \"RMBX\" is not a 3-letter "
	    "currency code\n"
	    "crm-import: config.yaml:2: unknown key \"phone_regon\" (did you "
	    "mean \"phone_region\"?)\n"
	    "crm-import: config.yaml:3: duplicate key \"currency\" (first on "
	    "line 1)\n");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	load_fails("currency: CNY\nphone_region: CN\n  date_order: dmy\n",
	    "crm-import: config.yaml:3: invalid YAML: mapping values are not "
	    "allowed in this context\n");
	load_fails("currency: CNY\nheaders:\n  customers:\n    name: [a, b\n"
	    "  orders: x\n",
	    "crm-import: config.yaml:5: invalid YAML: did not find expected ',' "
	    "or ']' (while parsing a flow sequence on line 4)\n");
	load_fails("currency: \"CNY\n",
	    "crm-import: config.yaml:2: invalid YAML: found unexpected end of "
	    "stream (while scanning a quoted scalar on line 1)\n");
	load_fails("currency: CNY\n\tphone_region: CN\n",
	    "crm-import: config.yaml:2: invalid YAML: found a tab character "
	    "that violates indentation (while scanning a plain scalar on line "
	    "1)\n");
	load_fails("currency: CNY\nphone_region: \"\xff\"\n",
	    "crm-import: config.yaml:2: invalid YAML: invalid leading UTF-8 "
	    "octet\n");
	load_fails("currency: *base\n",
	    "crm-import: config.yaml:1: invalid YAML: found undefined alias\n");
	load_fails("currency: USD\n---\ncurrency: EUR\n",
	    "crm-import: config.yaml:3: only one YAML document is allowed\n");
}

/* A file whose content says where it was found. */
static void
write_marked(const char *path, const char *region)
{
	char *yaml = crm_xasprintf("phone_region: %s\n", region);

	write_file(path, yaml);
	free(yaml);
}

static void
test_lookup(void **state)
{
	struct crm_config *c;
	char *err, *dir, *xdg, *file, *want;

	(void)state;
	/* $HOME/.config/crm/config.yaml */
	dir = crm_xasprintf("%s/home/.config", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	free(dir);
	dir = crm_xasprintf("%s/home/.config/crm", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	file = crm_xasprintf("%s/config.yaml", dir);
	write_marked(file, "HK");
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(err, "");
	assert_string_equal(c->phone_region, "HK");
	assert_string_equal(c->path, file);
	crm_config_free(c);
	free(err);

	/* $XDG_CONFIG_HOME wins over $HOME, and its absence is no error. */
	xdg = crm_xasprintf("%s/xdg", tmpdir);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(err, "");
	assert_defaults(c);
	assert_null(c->path);
	crm_config_free(c);
	free(err);
	assert_int_equal(mkdir(xdg, 0700), 0);
	free(dir);
	dir = crm_xasprintf("%s/crm", xdg);
	assert_int_equal(mkdir(dir, 0700), 0);
	free(file);
	file = crm_xasprintf("%s/config.yaml", dir);
	write_marked(file, "TW");
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(c->phone_region, "TW");
	crm_config_free(c);
	free(err);

	/* A relative XDG_CONFIG_HOME is ignored (XDG spec): back to $HOME. */
	setenv("XDG_CONFIG_HOME", "xdg", 1);
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(c->phone_region, "HK");
	crm_config_free(c);
	free(err);
	setenv("XDG_CONFIG_HOME", xdg, 1);

	/* Errors in the default file are errors, named by its full path. */
	write_file(file, "phone_regon: TW\n");
	assert_int_equal(load_capture(NULL, &c, &err), CRM_EX_CONFIG);
	want = crm_xasprintf("crm-import: %s:1: unknown key \"phone_regon\" "
	    "(did you mean \"phone_region\"?)\n", file);
	assert_string_equal(err, want);
	free(want);
	free(err);

	/* $CRM_CONFIG wins over both and must exist; empty means unset. */
	write_marked("env.yaml", "US");
	setenv("CRM_CONFIG", "env.yaml", 1);
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(c->phone_region, "US");
	assert_string_equal(c->path, "env.yaml");
	crm_config_free(c);
	free(err);
	setenv("CRM_CONFIG", "missing.yaml", 1);
	assert_int_equal(load_capture(NULL, &c, &err), CRM_EX_CONFIG);
	assert_null(c);
	assert_string_equal(err, "crm-import: missing.yaml: cannot read config "
	    "file (named by CRM_CONFIG): No such file or directory\n");
	free(err);
	setenv("CRM_CONFIG", "", 1);
	write_marked(file, "MO");
	assert_int_equal(load_capture(NULL, &c, &err), 0);
	assert_string_equal(c->phone_region, "MO");
	crm_config_free(c);
	free(err);

	/* An explicit path wins over everything and must exist. */
	setenv("CRM_CONFIG", "env.yaml", 1);
	write_marked("mine.yaml", "SG");
	assert_int_equal(load_capture("mine.yaml", &c, &err), 0);
	assert_string_equal(c->phone_region, "SG");
	crm_config_free(c);
	free(err);
	assert_int_equal(load_capture("nope.yaml", &c, &err), CRM_EX_CONFIG);
	assert_null(c);
	assert_string_equal(err, "crm-import: nope.yaml: cannot read config "
	    "file: No such file or directory\n");
	free(err);
	assert_int_equal(load_capture(tmpdir, &c, &err), CRM_EX_CONFIG);
	want = crm_xasprintf("crm-import: %s: cannot read config file: Is a "
	    "directory\n", tmpdir);
	assert_string_equal(err, want);
	free(want);
	free(err);

	unlink(file);
	rmdir(dir);
	rmdir(xdg);
	free(file);
	free(dir);
	free(xdg);
	file = crm_xasprintf("%s/home/.config/crm/config.yaml", tmpdir);
	unlink(file);
	free(file);
	dir = crm_xasprintf("%s/home/.config/crm", tmpdir);
	rmdir(dir);
	free(dir);
	dir = crm_xasprintf("%s/home/.config", tmpdir);
	rmdir(dir);
	free(dir);
	unlink("env.yaml");
	unlink("mine.yaml");
}

/* remind.date_rules, remind.templates, remind.language_column, cadences
 * switched off, and the severity check. */
static void
test_remind_keys(void **state)
{
	struct crm_config *c;
	char *err;

	(void)state;
	c = load_ok("remind:\n  cadence_rfm:\n    champions: off\n    loyal: 0\n"
	    "  cadence_lifecycle:\n    lead: OFF\n  date_rules:\n    renewal:\n"
	    "      column: contract_end\n    warranty:\n      column: 保修到期\n"
	    "      days_ahead: 14\n      priority: high\n      yearly: yes\n"
	    "  templates:\n    zh_tw: t/tw.txt\n    default: /abs/en.txt\n"
	    "  language_column: 语言\n");
	assert_int_equal(c->ncadence_rfm, 2);
	assert_int_equal(c->cadence_rfm[0].value, 0);
	assert_int_equal(c->cadence_rfm[1].value, 0);
	assert_int_equal(c->cadence_lifecycle[0].value, 0);
	assert_int_equal(c->ndate_rules, 2);
	assert_string_equal(c->date_rules[0].name, "renewal");
	assert_string_equal(c->date_rules[0].column, "contract_end");
	assert_int_equal(c->date_rules[0].days_ahead, 30);
	assert_int_equal(c->date_rules[0].priority, 2);
	assert_int_equal(c->date_rules[0].yearly, 0);
	assert_string_equal(c->date_rules[1].column, "保修到期");
	assert_int_equal(c->date_rules[1].days_ahead, 14);
	assert_int_equal(c->date_rules[1].priority, 1);
	assert_int_equal(c->date_rules[1].yearly, 1);
	assert_int_equal(c->nremind_templates, 2);
	assert_string_equal(c->remind_templates[0].lang, "zh_tw");
	/* relative to the configuration file ("config.yaml": no directory) */
	assert_string_equal(c->remind_templates[0].path, "t/tw.txt");
	assert_string_equal(c->remind_templates[1].path, "/abs/en.txt");
	assert_string_equal(c->remind_language_column, "语言");
	assert_int_equal(crm_config_check_severities(c), 0);
	crm_config_free(c);
	c = crm_config_defaults();
	assert_string_equal(c->remind_language_column, "language");
	crm_config_free(c);

	load_fails("remind:\n  cadence_rfm:\n    champions: -1\n",
	    "crm-import: config.yaml:3: remind.cadence_rfm.champions: \"-1\" is not a whole "
	    "number from 0 to 3650, or off\n");
	load_fails("remind:\n  sla_hours:\n    high: off\n",
	    "crm-import: config.yaml:3: remind.sla_hours.high: \"off\" is not a whole "
	    "number from 1 to 87600\n");
	load_fails("remind:\n  date_rules:\n    r:\n      column: \"\"\n"
	    "      days_ahead: 4000\n      yearly: sometimes\n    Bad: {column: x}\n"
	    "    s: contract_end\n",
	    "crm-import: config.yaml:4: remind.date_rules.r.column: empty column name\n"
	    "crm-import: config.yaml:5: remind.date_rules.r.days_ahead: 4000 is out of range "
	    "(0 to 3650)\n"
	    "crm-import: config.yaml:6: remind.date_rules.r.yearly: \"sometimes\" is not "
	    "true or false\n"
	    "crm-import: config.yaml:7: remind.date_rules.Bad: \"Bad\" is not a rule name "
	    "(use a-z, 0-9 and _, not starting with a digit)\n"
	    "crm-import: config.yaml:8: remind.date_rules.s: expected a map such as "
	    "{column: contract_end, days_ahead: 30}, found a single value\n");
	load_fails("remind:\n  templates:\n    x-: a.txt\n    en: \"\"\n"
	    "  language_column: \"\"\n",
	    "crm-import: config.yaml:3: remind.templates.x-: \"x-\" is not a language tag "
	    "(such as en, zh-CN, zh-TW, zh) or default\n"
	    "crm-import: config.yaml:4: remind.templates.en: empty file name\n"
	    "crm-import: config.yaml:5: remind.language_column: empty column name\n");

	/* Severities are checked on request (crm-remind), naming the nearest. */
	c = load_ok("remind:\n  sla_hours:\n    hgih: 8\n    urgent: 2\n    whenever: 9\n");
	write_file("config.yaml", "");
	{
		int saved = dup(2), fd = open("stderr.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		FILE *f;
		char buf[512] = "";
		size_t n;

		assert_true(saved >= 0 && fd >= 0);
		fflush(stderr);
		assert_true(dup2(fd, 2) == 2);
		close(fd);
		assert_int_equal(crm_config_check_severities(c), CRM_EX_CONFIG);
		fflush(stderr);
		assert_true(dup2(saved, 2) == 2);
		close(saved);
		f = fopen("stderr.txt", "rb");
		assert_non_null(f);
		n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = '\0';
		fclose(f);
		err = buf;
		assert_string_equal(err,
		    "crm-import: config.yaml:3: remind.sla_hours.hgih: no such severity (did you "
		    "mean \"high\"?)\n"
		    "crm-import: config.yaml:5: remind.sla_hours.whenever: no such severity (low, "
		    "normal, high, urgent, critical)\n");
	}
	crm_config_free(c);
}

static void
test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(crm_edit_distance("", ""), 0);
	assert_int_equal(crm_edit_distance("abc", ""), 3);
	assert_int_equal(crm_edit_distance("", "abc"), 3);
	assert_int_equal(crm_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(crm_edit_distance("sitting", "kitten"), 3);
	assert_int_equal(crm_edit_distance("phone_regon", "phone_region"), 1);
	assert_int_equal(crm_edit_distance("order", "orders"), 1);
	assert_int_equal(crm_edit_distance("same", "same"), 0);
	assert_int_equal(crm_edit_distance("flaw", "lawn"), 2);
	/* Byte-wise: one CJK character is three bytes. */
	assert_int_equal(crm_edit_distance("客户", "客戶"), 1);
	assert_int_equal(crm_edit_distance("客户", "顾客"), 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, reset_env),
		cmocka_unit_test_setup(test_empty_files, reset_env),
		cmocka_unit_test_setup(test_every_key, reset_env),
		cmocka_unit_test_setup(test_cjk_headers, reset_env),
		cmocka_unit_test_setup(test_manual_example, reset_env),
		cmocka_unit_test_setup(test_rates_exact, reset_env),
		cmocka_unit_test_setup(test_rate_lookup, reset_env),
		cmocka_unit_test_setup(test_rate_errors, reset_env),
		cmocka_unit_test_setup(test_unknown_keys, reset_env),
		cmocka_unit_test_setup(test_headers_errors, reset_env),
		cmocka_unit_test_setup(test_segment_errors, reset_env),
		cmocka_unit_test_setup(test_bad_values, reset_env),
		cmocka_unit_test_setup(test_bad_types, reset_env),
		cmocka_unit_test_setup(test_several_errors, reset_env),
		cmocka_unit_test_setup(test_syntax_errors, reset_env),
		cmocka_unit_test_setup(test_lookup, reset_env),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test_setup(test_remind_keys, reset_env),
	};
	char *home;
	int failed;

	crm_diag_init("crm-import");
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) != 0) {
		perror(tmpdir);
		return 1;
	}
	home = crm_xasprintf("%s/home", tmpdir);
	if (mkdir(home, 0700) != 0) {
		perror(home);
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink("config.yaml");
	unlink("stderr.txt");
	rmdir(home);
	free(home);
	if (chdir("/") == 0)
		rmdir(tmpdir);
	return failed;
}
