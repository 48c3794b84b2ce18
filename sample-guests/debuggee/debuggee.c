/*
 * debuggee: a guest written to be debugged. It has the C constructs a debugger's symbol
 * reader must understand and a few hypercalls worth stepping over, each on a line with a
 * marker comment (`@bp:<name>`) so tests find line numbers by searching this file.
 *
 * Built for pv64, hvm64 (firmware-style HVM, long mode) and hvm32 (32-bit, paging off),
 * each at -O0 and -Og (out/sample-guests/debuggee/debuggee-<variant>-<O0|Og>.elf).
 *
 * In order it
 *   1. (HVM) installs the hypercall page; prints its banner through console_io;
 *   2. builds a linked list of `node_t` (nested struct, union, bit fields, array member,
 *      self pointer) in the global array `nodes`, and walks it in a loop that calls the
 *      `static inline` square_plus() (inlined at -Og);
 *   3. recurses: recurse(4, 1) goes 5 levels deep (depth 4..0); at the bottom
 *      (`@bp:recurse-bottom`) the frames hold depth/acc/local = 4/1/41, 3/41/71, 2/71/91,
 *      1/91/101, 0/101/101; every level calls bump_counter(), which writes the global
 *      `hit_counter` (the data-breakpoint target, `@bp:counter-write`);
 *   4. xen_version(XENVER_version);
 *   5. gives 2048 pages back with ONE XENMEM_decrease_reservation (preempted with
 *      `--preemption`, so stepping over it shows continuations);
 *   6. EVTCHNOP_alloc_unbound (remote = itself) and EVTCHNOP_send on the new port;
 *   7. prints a checksum of what it computed and powers off (SHUTDOWN_crash if wrong).
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#ifdef XEN_HVM
#include "hvm.h"
#endif

#define DEBUGGEE_NOINLINE __attribute__((noinline))
#define BALLOON_PAGES 2048
#define NR_NODES 4

/* ---- types --------------------------------------------------------------------------- */

enum shape_kind { SHAPE_NONE = 0, SHAPE_CIRCLE = 1, SHAPE_RECT = 2, SHAPE_HUGE = 1000 };
typedef enum shape_kind shape_kind_t;
typedef unsigned int counter_t;

struct point {
	int x;
	int y;
};

struct node {
	int id;
	shape_kind_t kind;
	struct point origin;            /* nested struct */
	union {                         /* a union with an anonymous struct member */
		long radius;
		struct {
			short w;
			short h;
		} size;
		unsigned char raw[8];
	} u;
	unsigned int flags : 3;         /* bit fields */
	unsigned int level : 5;
	signed int delta : 4;
	char name[12];                  /* array member */
	struct node *next;              /* pointer to its own type */
};
typedef struct node node_t;

/* A flexible array member. */
struct blob {
	unsigned int len;
	unsigned char data[];
};

typedef int (*node_visitor_t)(const node_t *n, int scale);

/* xen/include/public/event_channel.h (not in the shared runtime's xen.h). */
#define EVTCHNOP_alloc_unbound 6
struct evtchn_alloc_unbound {
	domid_t dom;                    /* IN */
	domid_t remote_dom;             /* IN */
	evtchn_port_t port;             /* OUT */
};

/* ---- globals ------------------------------------------------------------------------- */

node_t nodes[NR_NODES];                              /* a global array */
int grid[3][4];                                      /* a two-dimensional array */
volatile unsigned long hit_counter;                  /* written only by bump_counter() */
static counter_t file_static_calls = 7;              /* a file-scope static */
static unsigned char blob_storage[sizeof(struct blob) + 8] __attribute__((aligned(8)));
struct blob *const the_blob = (struct blob *)blob_storage;
const char *const debuggee_name = "debuggee-" GUEST_ENV;
xen_pfn_t balloon_frames[BALLOON_PAGES];

/* ---- code ---------------------------------------------------------------------------- */

static inline int square_plus(int v)
{
	int sq = v * v;                 /* @bp:inline-body */
	return sq + 1;
}

/* The only writer of hit_counter. */
DEBUGGEE_NOINLINE void bump_counter(unsigned long by)
{
	hit_counter += by;              /* @bp:counter-write */
	file_static_calls++;
}

static DEBUGGEE_NOINLINE int node_weight(const node_t *n, int scale)
{
	return (n->id + (int)n->level) * scale;
}

node_visitor_t visitor = node_weight;

/* depth/acc/local are known at each level: see the header comment. */
DEBUGGEE_NOINLINE int recurse(int depth, int acc)
{
	int local = depth * 10 + acc;   /* @bp:recurse-entry */

	bump_counter((unsigned long)depth + 1);
	if (depth == 0)
		return local + 1000;    /* @bp:recurse-bottom */
	return recurse(depth - 1, local) + local; /* @bp:recurse-call */
}

static DEBUGGEE_NOINLINE void build_nodes(void)
{
	for (int i = 0; i < NR_NODES; i++) {
		node_t *n = &nodes[i];
		n->id = 100 + i;
		n->kind = (i & 1) ? SHAPE_RECT : SHAPE_CIRCLE;
		n->origin.x = i * 3;
		n->origin.y = -i;
		if (n->kind == SHAPE_CIRCLE) {
			n->u.radius = 5 + i;
		} else {
			n->u.size.w = (short)(10 * i);
			n->u.size.h = (short)(20 * i);
		}
		n->flags = (unsigned int)i & 7;
		n->level = (unsigned int)(i + 1);
		n->delta = -i;
		for (int c = 0; c < 5; c++)
			n->name[c] = "node0"[c];
		n->name[4] = (char)('0' + i);
		n->name[5] = 0;
		n->next = i + 1 < NR_NODES ? &nodes[i + 1] : 0;
	}
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 4; c++)
			grid[r][c] = r * 10 + c;
	the_blob->len = 3;
	for (unsigned int b = 0; b < the_blob->len; b++)
		the_blob->data[b] = (unsigned char)(0xa0 + b);
}

static DEBUGGEE_NOINLINE int sum_nodes(const node_t *head)
{
	int sum = 0;

	for (const node_t *n = head; n; n = n->next) {
		int w = visitor(n, 2);  /* @bp:loop-body */
		sum += w + square_plus(n->level);
	}
	return sum;                     /* @bp:loop-done */
}

#ifdef XEN_PV
/* The top BALLOON_PAGES pseudo-physical frames: MFNs from the p2m list (far beyond the
 * builder's initial mapping when the domain has 64 MiB). Returns the first pfn or 0. */
static unsigned long pick_frames(const struct start_info *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;

	if (si->nr_pages < 4 * BALLOON_PAGES)
		return 0;
	unsigned long first = si->nr_pages - BALLOON_PAGES;
	for (unsigned long i = 0; i < BALLOON_PAGES; i++)
		balloon_frames[i] = p2m[first + i];
	return first;
}
#else
static struct e820entry e820[16];

/* The top BALLOON_PAGES frames of the highest E820 RAM range, as GFNs. Returns the first or 0. */
static unsigned long pick_frames(void)
{
	struct xen_memory_map map = { .nr_entries = 16, .buffer = e820 };
	uint64_t ram_end = 0;

	if (HYPERVISOR_memory_op(XENMEM_memory_map, &map) != 0)
		return 0;
	for (unsigned int i = 0; i < map.nr_entries && i < 16; i++)
		if (e820[i].type == E820_RAM && e820[i].addr + e820[i].size > ram_end &&
		    e820[i].size >= 4ull * BALLOON_PAGES * 4096)
			ram_end = e820[i].addr + e820[i].size;
	ram_end &= ~0xfffull;
	if (ram_end < 4ull * BALLOON_PAGES * 4096 || ram_end > (1ull << 32))
		return 0;
	unsigned long first = (unsigned long)(ram_end >> 12) - BALLOON_PAGES;
	for (unsigned long i = 0; i < BALLOON_PAGES; i++)
		balloon_frames[i] = first + i;
	return first;
}
#endif

static DEBUGGEE_NOINLINE long balloon_out(unsigned long first)
{
	struct xen_memory_reservation r = {
		.extent_start = balloon_frames,
		.nr_extents = BALLOON_PAGES,
		.extent_order = 0,
		.mem_flags = 0,
		.domid = DOMID_SELF,
	};
	long done = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r); /* @bp:decrease-reservation */
	printk("XENMEM_decrease_reservation(%u extents from frame 0x%lx) returned %ld\n",
	       BALLOON_PAGES, first, done);
	return done;
}

static DEBUGGEE_NOINLINE int event_channel_roundtrip(void)
{
	struct evtchn_alloc_unbound alloc = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF, .port = 0 };
	int rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc); /* @bp:evtchn-alloc */
	printk("EVTCHNOP_alloc_unbound: %d, port %u\n", rc, alloc.port);
	if (rc < 0)
		return rc;
	struct evtchn_send send = { .port = alloc.port };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_send, &send); /* @bp:evtchn-send */
	printk("EVTCHNOP_send(port %u): %d\n", send.port, rc);
	return rc;
}

void kernel_main(unsigned long boot_arg)
{
	int failures = 0;

#ifdef XEN_HVM
	(void)boot_arg;
	console_set_sinks(CONSOLE_DEBUGCON);
	if (hvm_setup_hypercall_page() < 0) {
		debugcon_puts("debuggee-" GUEST_ENV ": cannot make hypercalls, halting\n");
		halt_forever();
	}
#endif
	console_set_sinks(CONSOLE_XEN);
	printk("Hello from %s guest\n", debuggee_name); /* @bp:main-start */

	build_nodes();
	int sum = sum_nodes(&nodes[0]); /* @bp:call-sum */
	printk("sum_nodes: %d\n", sum);
	if (sum != 866)
		failures++;

	int r = recurse(4, 1);          /* @bp:call-recurse */
	printk("recurse(4, 1) = %d, hit_counter %lu, calls %u\n", r, hit_counter, file_static_calls);
	if (r != 1405 || hit_counter != 15)
		failures++;

	long version = HYPERVISOR_xen_version(XENVER_version, NULL); /* @bp:xen-version */
	printk("xen_version: %ld.%ld\n", version >> 16, version & 0xffff);

#ifdef XEN_PV
	unsigned long first = pick_frames((const struct start_info *)boot_arg);
#else
	unsigned long first = pick_frames();
#endif
	if (first) {
		if (balloon_out(first) != BALLOON_PAGES)
			failures++;
	} else {
		printk("decrease_reservation: no frames to give back\n");
		failures++;
	}

	if (event_channel_roundtrip() != 0)
		failures++;

	if (failures) {
		printk("debuggee: FAILED (%d)\n", failures);
		xen_shutdown(SHUTDOWN_crash);
	}
	printk("debuggee: ok, powering off\n"); /* @bp:poweroff */
	xen_shutdown(SHUTDOWN_poweroff);
}
