/*
 * Operations shared by the sample guests (see guest.h).
 */
#include "guest.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"

void xen_shutdown(unsigned int reason)
{
	struct sched_shutdown sd = { .reason = reason };

	HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
	/* Not reached on Xen: the domain is gone. Spin just in case. */
	for (;;) {
#ifdef XEN_HVM
		halt_forever();
#else
		__asm__ volatile("pause"); /* PV kernels run in ring 3/1: no hlt */
#endif
	}
}

void print_xen_info(void)
{
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	char extra[XEN_EXTRAVERSION_LEN + 1];
	struct xen_feature_info fi = { .submap_idx = 0, .submap = 0 };

	for (unsigned int i = 0; i < sizeof(extra); i++)
		extra[i] = 0;
	long rc_extra = HYPERVISOR_xen_version(XENVER_extraversion, extra);
	long rc_feat = HYPERVISOR_xen_version(XENVER_get_features, &fi);

	if (version < 0)
		printk("xen_version(XENVER_version) failed: %ld\n", version);
	else
		printk("Xen %lu.%lu, extraversion \"%s\"%s\n", (unsigned long)version >> 16,
		       (unsigned long)version & 0xffff, extra, rc_extra < 0 ? " (call failed)" : "");
	if (rc_feat < 0)
		printk("xen_version(XENVER_get_features) failed: %ld\n", rc_feat);
	else
		printk("Xen features (submap 0): 0x%08x\n", fi.submap);
}

long xen_current_reservation(void)
{
	domid_t domid = DOMID_SELF;
	return HYPERVISOR_memory_op(XENMEM_current_reservation, &domid);
}

#ifdef XEN_PV
int pv_map_machine_page(void *va, uint64_t maddr)
{
	uint64_t pte = maddr | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG | UVMF_LOCAL);
}
#endif

#ifdef XEN_HVM
int hvm_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .pad = 0, .index = index, .value = 0 };
	long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);
	*value = p.value;
	return (int)rc;
}

int hvm_map_shared_info(unsigned long gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.size = 0,
		.space = XENMAPSPACE_shared_info,
		.idx = 0,
		.gpfn = gpfn,
	};
	return (int)HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}
#endif
