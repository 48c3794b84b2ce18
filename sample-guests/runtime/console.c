/*
 * Console output (see console.h).
 */
#include "console.h"
#include "arch.h"
#include "hypercall.h"

static unsigned int console_sinks;

void console_set_sinks(unsigned int sinks)
{
	console_sinks = sinks;
}

void debugcon_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		outb(XEN_HVM_DEBUGCONS_IOPORT, (uint8_t)s[i]);
}

void debugcon_puts(const char *s)
{
	while (*s)
		outb(XEN_HVM_DEBUGCONS_IOPORT, (uint8_t)*s++);
}

void console_write(const char *s, size_t len)
{
	if (console_sinks & CONSOLE_XEN) {
		int rc = HYPERVISOR_console_io(CONSOLEIO_write, (int)len, s);
#ifdef XEN_HVM
		/* A release build of Xen refuses console_io for domUs (-EPERM): keep the text
		 * visible through the debug port instead. */
		if (rc < 0 && !(console_sinks & CONSOLE_DEBUGCON))
			debugcon_write(s, len);
#else
		(void)rc; /* a PV guest has no other synchronous output */
#endif
	}
	if (console_sinks & CONSOLE_DEBUGCON)
		debugcon_write(s, len);
}

int printk(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, (size_t)n);
	return n;
}

static int notify(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

int xencons_ring_write(struct xencons_interface *ring, evtchn_port_t port, const char *s,
		       size_t len)
{
	size_t sent = 0;
	int tries = 0;

	while (sent < len) {
		XENCONS_RING_IDX cons = READ_ONCE32(ring->out_cons);
		XENCONS_RING_IDX prod = ring->out_prod;
		rmb(); /* read out_cons before reusing the slots it frees */

		size_t queued = 0;
		while (sent < len && (XENCONS_RING_IDX)(prod - cons) < sizeof(ring->out)) {
			ring->out[MASK_XENCONS_IDX(prod, ring->out)] = s[sent++];
			prod++;
			queued++;
		}
		wmb(); /* the bytes must be visible before the index that publishes them */
		WRITE_ONCE32(ring->out_prod, prod);

		int rc = notify(port);
		if (rc < 0)
			return rc;
		if (queued == 0) {
			/* Ring full: let the backend (xenconsoled) run, but don't wait forever
			 * if nobody drains the ring. */
			if (++tries > 1000)
				break;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
	return (int)sent;
}
