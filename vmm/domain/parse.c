/* parse.c - reading a domain: libxml2 parses it (no DOCTYPE, no network),
 * libvirt's schema validates it where installed, and the root's children go
 * to their mappers (map_*.c). Also the helpers every mapper uses: errors
 * with the element and its line, attribute lists, sizes with libvirt's
 * units, CPU and node sets. */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "lib/parse.h"
#include "lib/util.h"
#include "vmm/domain/dom.h"

int dom_error(struct domain *d, xmlNode *n, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = (size_t)snprintf(d->err, d->errlen, "%s:%ld: <%s>: ", d->name, n ? xmlGetLineNo(n) : 0L,
			       n ? (const char *)n->name : "?");
	if (off < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + off, d->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool blank_text(xmlNode *n)
{
	for (const xmlChar *c = n->content; c && *c; c++)
		if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
			return false;
	return true;
}

int dom_children(struct domain *d, xmlNode *n, const struct dom_element *table)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		const struct dom_element *e = table;

		if (c->type == XML_COMMENT_NODE || (c->type == XML_TEXT_NODE && blank_text(c)))
			continue;
		if (c->type != XML_ELEMENT_NODE)
			return dom_error(d, n, "unexpected content inside it");
		while (e->name && strcmp(e->name, (const char *)c->name))
			e++;
		if (!e->name)
			return dom_error(d, c, "not supported by frameshift inside <%s> (docs/domain.md lists "
					 "what is)", (const char *)n->name);
		if (e->map && e->map(d, c) < 0)
			return -1;
	}
	return 0;
}

int dom_attrs(struct domain *d, xmlNode *n, const char *const *allowed)
{
	for (xmlAttr *a = n->properties; a; a = a->next) {
		const char *const *ok = allowed;

		while (*ok && strcmp(*ok, (const char *)a->name))
			ok++;
		if (!*ok)
			return dom_error(d, n, "attribute '%s' is not supported by frameshift",
					 (const char *)a->name);
	}
	return 0;
}

char *dom_attr(xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

bool dom_attr_is(xmlNode *n, const char *name, const char *value)
{
	char *v = dom_attr(n, name);
	bool is = v && !strcmp(v, value);

	xmlFree(v);
	return is;
}

static void trim_copy(const char *s, char *buf, size_t len)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

int dom_text(struct domain *d, xmlNode *n, char *buf, size_t len)
{
	xmlChar *t = xmlNodeGetContent(n);
	size_t raw = t ? strlen((const char *)t) : 0;
	int ret = 0;

	if (raw >= 4096) {
		ret = dom_error(d, n, "its text is too long");
	} else {
		trim_copy(t ? (const char *)t : "", buf, len);
		if (!*buf)
			ret = dom_error(d, n, "needs a value");
		else if (strlen(buf) == len - 1 && raw >= len)
			ret = dom_error(d, n, "its text is too long");
	}
	xmlFree(t);
	return ret;
}

/* libvirt's units (docs/formatdomain: memory allocation): decimal KB, MB, ...
 * and binary k/KiB, M/MiB, ...; no unit is KiB. */
static const struct { const char *name; uint64_t mult; } units[] = {
	{ "b", 1 }, { "bytes", 1 },
	{ "KB", 1000ULL }, { "k", 1ULL << 10 }, { "KiB", 1ULL << 10 },
	{ "MB", 1000000ULL }, { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
	{ "GB", 1000000000ULL }, { "G", 1ULL << 30 }, { "GiB", 1ULL << 30 },
	{ "TB", 1000000000000ULL }, { "T", 1ULL << 40 }, { "TiB", 1ULL << 40 },
};

int dom_size_of(struct domain *d, xmlNode *n, const char *value, const char *unit, uint64_t *bytes)
{
	uint64_t mult = 0, v = 0;

	if (!unit)
		mult = 1024;
	for (size_t i = 0; unit && i < ARRAY_SIZE(units); i++)
		if (!strcmp(unit, units[i].name))
			mult = units[i].mult;
	if (!mult)
		return dom_error(d, n, "unknown unit '%.32s' (want b, KiB, MiB, GiB, TiB or KB, MB, GB, TB)",
				 unit);
	if (!*value || strspn(value, "0123456789") != strlen(value) || strlen(value) > 19)
		return dom_error(d, n, "'%.32s' is not a whole number", value);
	v = strtoull(value, NULL, 10);
	if (v > UINT64_MAX / mult)
		return dom_error(d, n, "%s %s is too large", value, unit);
	*bytes = v * mult;
	return 0;
}

int dom_size(struct domain *d, xmlNode *n, uint64_t *bytes)
{
	static const char *const attrs[] = { "unit", NULL };
	char text[32];
	char *unit;
	int ret;

	if (dom_attrs(d, n, attrs) < 0 || dom_text(d, n, text, sizeof(text)) < 0)
		return -1;
	unit = dom_attr(n, "unit");
	ret = dom_size_of(d, n, text, unit, bytes);
	xmlFree(unit);
	return ret;
}

int dom_uint(struct domain *d, xmlNode *n, const char *attr, unsigned min, unsigned max, unsigned *out)
{
	char text[16];
	char *v = NULL;
	int ret = 0;

	if (attr) {
		v = dom_attr(n, attr);
		if (!v)
			return dom_error(d, n, "needs the attribute '%s'", attr);
		trim_copy(v, text, sizeof(text));
		xmlFree(v);
	} else if (dom_text(d, n, text, sizeof(text)) < 0) {
		return -1;
	}
	if (parse_uint(text, min, max, out) < 0)
		ret = dom_error(d, n, "%s%s'%s' is not a number from %u to %u", attr ? attr : "",
				attr ? " " : "", text, min, max);
	return ret;
}

static void add_bits(uint32_t lo, uint32_t hi, void *arg)
{
	uint64_t *mask = arg;

	for (uint32_t i = lo; i <= hi; i++)
		*mask |= 1ULL << i;
}

int dom_set(struct domain *d, xmlNode *n, const char *what, const char *s, unsigned limit, uint64_t *mask)
{
	*mask = 0;
	if (limit > 64)
		limit = 64;
	if (parse_range_list(s, limit, add_bits, mask) < 0 || !*mask)
		return dom_error(d, n, "%s '%.64s' is not a list of %s below %u (such as 0-1,3)", what, s,
				 !strcmp(what, "nodeset") ? "this host's nodes" : "numbers", limit);
	return 0;
}

void dom_format_set(uint64_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 64 && off < len; i++)
		if (mask & (1ULL << i))
			off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? "," : "", i);
}

/* frameshift's metadata (simulated nodes) says how many nodes the nodesets
 * of the other elements may name, wherever it stands. */
static int metadata_first(struct domain *d, xmlNode *root)
{
	for (xmlNode *c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, "metadata") &&
		    map_metadata(d, c) < 0)
			return -1;
	return 0;
}

static const struct dom_element domain_elements[] = {
	{ "name", NULL }, { "uuid", NULL }, { "title", NULL }, { "description", NULL },
	{ "metadata", NULL }, /* mapped first: see metadata_first */
	{ "memory", map_memory }, { "currentMemory", map_current_memory },
	{ "memoryBacking", map_memory_backing }, { "memtune", map_memtune },
	{ "vcpu", map_vcpu }, { "cputune", map_cputune }, { "numatune", map_numatune },
	{ "cpu", map_cpu }, { "os", map_os }, { "devices", map_devices },
	{ "features", map_features }, { "clock", map_clock },
	{ "on_poweroff", map_lifecycle }, { "on_reboot", map_lifecycle }, { "on_crash", map_lifecycle },
	/* change nothing for frameshift (docs/domain.md) */
	{ "resource", NULL }, { "sysinfo", NULL }, { "pm", NULL },
	{ NULL, NULL },
};

/* Parse without a DOCTYPE (no entities to expand) or the network; the
 * parser's own error comes back with its line. */
static xmlDoc *read_doc(const char *xml, size_t len, const char *name, char *err, size_t errlen)
{
	xmlParserCtxt *ctx = xmlNewParserCtxt();
	xmlDoc *doc;

	if (!ctx) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	doc = xmlCtxtReadMemory(ctx, xml, (int)len, name, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctx);

		snprintf(err, errlen, "%s:%d: not well-formed XML: %s", name, e ? e->line : 0,
			 e && e->message ? e->message : "unreadable\n");
		err[strcspn(err, "\n")] = '\0';
	} else if (doc->intSubset) {
		snprintf(err, errlen, "%s:%d: a DOCTYPE is not accepted", name, (int)xmlGetLineNo((xmlNode *)doc->intSubset));
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctx);
	return doc;
}

int domain_to_args(const char *xml, size_t len, const char *name, const struct domain_host *host,
		   struct domain_args *out, char *err, size_t errlen)
{
	struct domain d = { .name = name, .host = *host, .err = err, .errlen = errlen };
	xmlDoc *doc;
	xmlNode *root;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (len > DOMAIN_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", name, DOMAIN_MAX_BYTES);
		return -1;
	}
	doc = read_doc(xml, len, name, err, errlen);
	if (!doc)
		return -1;
	for (unsigned i = 0; i < DOM_MAX_VCPUS; i++)
		d.vcpu_node[i] = -1;
	for (unsigned i = 0; i < MAX_NODES; i++)
		d.memnode[i] = -1;
	d.autobalance_rate = 0;
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "domain") || root->ns) {
		dom_error(&d, root, "the document is not a libvirt <domain>");
	} else if (!dom_attr_is(root, "type", "kvm")) {
		dom_error(&d, root, "type must be 'kvm' (frameshift is a KVM VMM)");
	} else {
		static const char *const attrs[] = { "type", "id", NULL };

		if (dom_attrs(&d, root, attrs) == 0 && metadata_first(&d, root) == 0 &&
		    dom_children(&d, root, domain_elements) == 0 &&
		    dom_check(&d, root) == 0 && dom_emit(&d, out) == 0)
			ret = 0;
	}
	free(d.kernel);
	free(d.initrd);
	free(d.cmdline);
	for (unsigned i = 0; i < BLK_MAX_DISKS; i++)
		free(d.disks[i]);
	for (unsigned i = 0; i < NET_MAX; i++)
		free(d.nets[i]);
	xmlFree(d.dev.source);
	xmlFree(d.dev.tap);
	xmlFree(d.dev.mac);
	xmlFreeDoc(doc);
	return ret;
}

void domain_args_free(struct domain_args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	a->argc = 0;
}

int domain_read_file(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t got = 0;

	*text = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > DOMAIN_MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path, DOMAIN_MAX_BYTES);
		close(fd);
		return -1;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (*text)
		got = read(fd, *text, (size_t)st.st_size);
	close(fd);
	if (!*text || got != st.st_size) {
		snprintf(err, errlen, "cannot read %s", path);
		free(*text);
		*text = NULL;
		return -1;
	}
	(*text)[got] = '\0';
	*len = (size_t)got;
	return 0;
}

struct first_error {
	char msg[256];
	int line;
	bool set;
};

static void keep_first_error(void *arg, xmlError *e)
{
	struct first_error *fe = arg;

	if (fe->set || !e)
		return;
	fe->set = true;
	fe->line = e->line;
	if (e->node && ((xmlNode *)e->node)->type == XML_ELEMENT_NODE)
		snprintf(fe->msg, sizeof(fe->msg), "<%.64s>: ", (const char *)((xmlNode *)e->node)->name);
	trim_copy(e->message ? e->message : "invalid", fe->msg + strlen(fe->msg), sizeof(fe->msg) - strlen(fe->msg));
}

int domain_validate(const char *xml, size_t len, const char *name, char *err, size_t errlen)
{
	struct first_error fe = { .msg = "", .set = false };
	xmlRelaxNGParserCtxt *pctx;
	xmlRelaxNG *schema = NULL;
	xmlRelaxNGValidCtxt *vctx = NULL;
	xmlDoc *doc;
	int ret = -1;

	if (access(DOMAIN_SCHEMA, R_OK) < 0)
		return 1;
	doc = read_doc(xml, len, name, err, errlen);
	if (!doc)
		return -1;
	pctx = xmlRelaxNGNewParserCtxt(DOMAIN_SCHEMA);
	if (pctx) {
		xmlRelaxNGSetParserStructuredErrors(pctx, keep_first_error, &fe);
		schema = xmlRelaxNGParse(pctx);
		xmlRelaxNGFreeParserCtxt(pctx);
	}
	if (!schema) {
		snprintf(err, errlen, "%s: cannot read libvirt's schema: %s", DOMAIN_SCHEMA, fe.msg);
		goto out;
	}
	fe.set = false;
	fe.msg[0] = '\0';
	vctx = xmlRelaxNGNewValidCtxt(schema);
	if (!vctx) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	xmlRelaxNGSetValidStructuredErrors(vctx, keep_first_error, &fe);
	if (xmlRelaxNGValidateDoc(vctx, doc) == 0)
		ret = 0;
	else
		snprintf(err, errlen, "%s:%d: does not validate against %s: %s", name, fe.line, DOMAIN_SCHEMA,
			 fe.set ? fe.msg : "invalid");
out:
	xmlRelaxNGFreeValidCtxt(vctx);
	xmlRelaxNGFree(schema);
	xmlFreeDoc(doc);
	return ret;
}

static int host_node_of_cpu(int cpu)
{
	return numa_available() < 0 ? (cpu == 0 ? 0 : -1) : numa_node_of_cpu(cpu);
}

void domain_host_probe(struct domain_host *h)
{
	bool numa = numa_available() >= 0;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	h->nnodes = numa ? (unsigned)numa_max_node() + 1 : 1;
	if (h->nnodes > MAX_NODES) /* frameshift's most */
		h->nnodes = MAX_NODES;
	h->ncpus = cpus > 0 ? (int)cpus : 1;
	h->node_of_cpu = host_node_of_cpu;
}

int domain_load(const char *path, struct domain_args *out, char **text, char *err, size_t errlen)
{
	struct domain_host host;
	size_t len;

	if (domain_read_file(path, text, &len, err, errlen) < 0)
		return -1;
	domain_host_probe(&host);
	if (domain_validate(*text, len, path, err, errlen) < 0 ||
	    domain_to_args(*text, len, path, &host, out, err, errlen) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}
