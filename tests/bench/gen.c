/*
 * gen — deterministic customer and order data for the crm-import benchmark.
 *
 *   gen SEED NCUSTOMERS NORDERS DIR
 *
 * writes DIR/customers.csv (customer_id,name,email,phone,city,region,owner,
 * created) and DIR/orders.csv (order_no,customer_id,order_date,amount,
 * product,status). The same arguments always give byte-identical files
 * (splitmix64 seeded from SEED; no locale, clock or libc rand involved).
 *
 * Data: ~70% Chinese names (UTF-8), ~30% Latin; unique e-mails (the
 * customer number is part of the local part); CN mobile numbers (13x, 15x,
 * 17x, 18x, 19x + 8 digits); orders spread over 2022-01-01..2024-12-31 with
 * a time of day, amounts with two decimals, ~98% paid, ~1% refunded,
 * ~1% cancelled; every order names an existing customer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (the modulo bias is irrelevant here, and deterministic). */
static uint64_t
below(uint64_t n)
{
	return next() % n;
}

/* Chinese surnames and given-name characters, with pinyin for e-mails. */
static const char *const cn_sur[][2] = {
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"高", "gao"}, {"林", "lin"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"许", "xu"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"},
	{"欧阳", "ouyang"}, {"司马", "sima"},
};
static const char *const cn_given[][2] = {
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"秀英", "xiuying"}, {"敏", "min"},
	{"静", "jing"}, {"丽", "li"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"},
	{"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"},
	{"涛", "tao"}, {"明", "ming"}, {"超", "chao"}, {"秀兰", "xiulan"}, {"霞", "xia"},
	{"平", "ping"}, {"刚", "gang"}, {"桂英", "guiying"}, {"建华", "jianhua"},
	{"晓东", "xiaodong"}, {"子涵", "zihan"}, {"雨轩", "yuxuan"}, {"浩然", "haoran"},
	{"欣怡", "xinyi"}, {"思远", "siyuan"}, {"嘉怡", "jiayi"}, {"志强", "zhiqiang"},
};
static const char *const latin_first[] = {
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Susan", "Sophie", "Lucas", "Emma", "Noah",
	"Olivia", "Liam", "Chloé", "José", "Zoë", "François", "Anna", "Kevin", "Grace",
	"Jason", "Vivian", "Eric", "Tiffany", "Ryan",
};
static const char *const latin_last[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Martin", "Lee", "Wong", "Chan", "Tan", "Lim", "Müller", "O'Brien", "Dubois",
	"Rossi", "Nguyen", "Kim", "Taylor", "Anderson", "Thomas", "Moore",
};
/* ASCII spellings of latin_first/latin_last for the e-mail local part. */
static const char *const latin_first_ascii[] = {
	"james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda",
	"david", "elizabeth", "william", "susan", "sophie", "lucas", "emma", "noah",
	"olivia", "liam", "chloe", "jose", "zoe", "francois", "anna", "kevin", "grace",
	"jason", "vivian", "eric", "tiffany", "ryan",
};
static const char *const latin_last_ascii[] = {
	"smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
	"martin", "lee", "wong", "chan", "tan", "lim", "mueller", "obrien", "dubois",
	"rossi", "nguyen", "kim", "taylor", "anderson", "thomas", "moore",
};
static const char *const domains[] = {
	"qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com",
	"foxmail.com", "yahoo.com", "example.com", "hotmail.com",
};
static const char *const cities[][2] = {
	{"上海", "华东"}, {"北京", "华北"}, {"广州", "华南"}, {"深圳", "华南"},
	{"杭州", "华东"}, {"南京", "华东"}, {"成都", "西南"}, {"重庆", "西南"},
	{"武汉", "华中"}, {"长沙", "华中"}, {"西安", "西北"}, {"天津", "华北"},
	{"苏州", "华东"}, {"厦门", "华南"}, {"青岛", "华东"}, {"沈阳", "东北"},
	{"Shanghai", "East"}, {"Beijing", "North"}, {"Shenzhen", "South"},
};
static const char *const owners[] = {
	"张伟", "李娜", "王磊", "陈静", "刘洋", "Kevin Lin", "Grace Wu", "赵敏",
	"周杰", "Amy Chen", "孙强", "黄丽",
};
static const char *const products[] = {
	"无线耳机", "智能手表", "蓝牙音箱", "机械键盘", "USB-C Hub", "Laptop Stand",
	"保温杯", "空气净化器", "扫地机器人", "电动牙刷", "Coffee Beans 1kg", "瑜伽垫",
	"Running Shoes", "双肩包", "护肤套装", "茶叶礼盒", "Phone Case", "充电宝",
	"显示器 27\"", "Office Chair, ergonomic",
};
static const char mobile_prefix[][4] = {
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
	"152", "155", "157", "158", "159", "166", "176", "177", "180", "181", "183",
	"185", "186", "187", "188", "189", "191", "198", "199",
};

/* Days since 1970-01-01 to y, m, d (Howard Hinnant's civil_from_days). */
static void
civil(long z, int *y, int *m, int *d)
{
	long era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void
field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n\r") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static FILE *
create(const char *dir, const char *name, char **buf)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	*buf = malloc(1 << 20);
	setvbuf(f, *buf, _IOFBF, 1 << 20);
	return f;
}

static void
finish(FILE *f, char *buf, const char *name)
{
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "gen: writing %s failed\n", name);
		exit(1);
	}
	free(buf);
}

static void
customers(const char *dir, long n)
{
	char *buf, name[128], email[160], phone[16], date[16];
	FILE *f = create(dir, "customers.csv", &buf);
	long i, day0 = 18628;  /* 2021-01-01 */
	int y, m, d, c;

	fputs("customer_id,name,email,phone,city,region,owner,created\n", f);
	for (i = 1; i <= n; i++) {
		const char *dom = domains[below(N(domains))];

		if (below(100) < 70) {
			size_t s = below(N(cn_sur)), g = below(N(cn_given)), g2 = below(N(cn_given));
			int two = below(3) == 0;

			snprintf(name, sizeof name, "%s%s%s", cn_sur[s][0], cn_given[g][0],
			         two ? cn_given[g2][0] : "");
			snprintf(email, sizeof email, "%s%s%s%ld@%s", cn_sur[s][1], cn_given[g][1],
			         two ? cn_given[g2][1] : "", i, dom);
		} else {
			size_t a = below(N(latin_first)), b = below(N(latin_last));

			snprintf(name, sizeof name, "%s %s", latin_first[a], latin_last[b]);
			snprintf(email, sizeof email, "%s.%s.%ld@%s", latin_first_ascii[a],
			         latin_last_ascii[b], i, dom);
		}
		snprintf(phone, sizeof phone, "%s%08llu", mobile_prefix[below(N(mobile_prefix))],
		         (unsigned long long)below(100000000));
		civil(day0 + (long)below(3 * 365), &y, &m, &d);
		snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
		c = (int)below(N(cities));
		fprintf(f, "C%08ld,", i);
		field(f, name);
		fprintf(f, ",%s,%s,%s,%s,%s,%s\n", email, phone, cities[c][0], cities[c][1],
		        owners[below(N(owners))], date);
	}
	finish(f, buf, "customers.csv");
}

static void
orders(const char *dir, long n, long ncust)
{
	char *buf;
	FILE *f = create(dir, "orders.csv", &buf);
	long i, day0 = 18993;  /* 2022-01-01 */
	int y, m, d, r;
	uint64_t cents, secs;
	const char *status;

	fputs("order_no,customer_id,order_date,amount,product,status\n", f);
	for (i = 1; i <= n; i++) {
		/* Skewed amounts: mostly 10-500, a long tail to ~20,000. */
		r = (int)below(100);
		cents = r < 60 ? 990 + below(20000) : r < 95 ? 5000 + below(100000)
		                                           : 100000 + below(1900000);
		secs = below(86400);
		civil(day0 + (long)below(1096), &y, &m, &d);
		r = (int)below(1000);
		status = r < 10 ? "refunded" : r < 20 ? "cancelled" : "paid";
		fprintf(f, "SO%010ld,C%08ld,%04d-%02d-%02d %02d:%02d:%02d,%llu.%02llu,", i,
		        (long)below((uint64_t)ncust) + 1, y, m, d, (int)(secs / 3600),
		        (int)(secs / 60 % 60), (int)(secs % 60), (unsigned long long)(cents / 100),
		        (unsigned long long)(cents % 100));
		field(f, products[below(N(products))]);
		putc(',', f);
		fputs(status, f);
		putc('\n', f);
	}
	finish(f, buf, "orders.csv");
}

int
main(int argc, char **argv)
{
	char *end;
	long nc, no;

	if (argc != 5) {
		fprintf(stderr, "usage: gen SEED NCUSTOMERS NORDERS DIR\n");
		return 64;
	}
	rng = strtoull(argv[1], &end, 10);
	nc = strtol(argv[2], NULL, 10);
	no = strtol(argv[3], NULL, 10);
	if (*end || nc < 1 || no < 0) {
		fprintf(stderr, "gen: bad arguments\n");
		return 64;
	}
	customers(argv[4], nc);
	orders(argv[4], no, nc);
	return 0;
}
