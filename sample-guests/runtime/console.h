/*
 * Guest console output: the hypervisor console (console_io, CONSOLEIO_write), the HVM debug
 * port 0xE9, and the PV console ring (xencons_interface) that xenconsoled drains.
 */
#ifndef SAMPLE_CONSOLE_H
#define SAMPLE_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include "xen.h"

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Where printk output goes (a bit set). */
#define CONSOLE_DEBUGCON 1   /* outb to port 0xE9: HVM/PVH only, works without hypercalls */
#define CONSOLE_XEN      2   /* console_io(CONSOLEIO_write): needs the hypercall page */

void console_set_sinks(unsigned int sinks);
void console_write(const char *s, size_t len);
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Port 0xE9, byte by byte (Xen's XEN_HVM_DEBUGCONS_IOPORT; QEMU's -debugcon). */
void debugcon_write(const char *s, size_t len);
void debugcon_puts(const char *s);

/*
 * Appends to the ring's out[] buffer, publishes the new out_prod after a write barrier and
 * notifies `port` with EVTCHNOP_send. Returns the number of bytes queued (less than len only
 * if the ring stayed full), or a negative Xen errno from the notification.
 */
int xencons_ring_write(struct xencons_interface *ring, evtchn_port_t port, const char *s,
		       size_t len);

#endif
