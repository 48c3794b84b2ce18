/*
 * What every sample guest has: the C entry point the heads call, and the few Xen
 * operations all of them use (xen-common.c).
 *
 * Build-time environment (set by the Makefile):
 *   XEN_PV      PV guest (pv64-head.S / pv32-head.S); PV_VIRT_BASE = its VIRT_BASE
 *   XEN_HVM     HVM firmware-style or PVH guest (hvm-head.S), HVM_PAGING = its mode
 *   XEN_PVH     additionally a PVH kernel (PHYS32_ENTRY note, EBX = hvm_start_info)
 *   GUEST_ENV   the environment's name as printed, e.g. "pv64", "hvm32pae"
 */
#ifndef SAMPLE_GUEST_H
#define SAMPLE_GUEST_H

#include "xen.h"

#ifndef GUEST_ENV
#error "GUEST_ENV must be defined"
#endif

/*
 * Called by the head with: PV, the virtual address of start_info; PVH, the physical
 * address of hvm_start_info; HVM firmware, EBX as the builder left it (meaningless).
 */
void kernel_main(unsigned long boot_arg) __attribute__((noreturn));

/* sched_op(SCHEDOP_shutdown, {reason}); never returns. */
void xen_shutdown(unsigned int reason) __attribute__((noreturn));

/* Prints the Xen version (XENVER_version), extraversion and feature submap 0. */
void print_xen_info(void);

/* memory_op(XENMEM_current_reservation, &DOMID_SELF): pages the domain owns, or -errno. */
long xen_current_reservation(void);

#ifdef XEN_PV
/* Maps machine address `maddr` (page aligned) at `va`, replacing whatever was mapped there:
 * update_va_mapping(va, maddr | P|RW|A|D, UVMF_INVLPG). Returns 0 or -errno. */
int pv_map_machine_page(void *va, uint64_t maddr);
#endif

#ifdef XEN_HVM
/* hvm_op(HVMOP_get_param, {DOMID_SELF, index}). Returns 0 or -errno. */
int hvm_get_param(uint32_t index, uint64_t *value);
/* memory_op(XENMEM_add_to_physmap, {DOMID_SELF, space shared_info, idx 0, gpfn}): puts the
 * shared_info page at guest frame `gpfn`. Returns 0 or -errno. */
int hvm_map_shared_info(unsigned long gpfn);
#endif

#endif
