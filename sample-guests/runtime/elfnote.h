/*
 * Xen ELF notes for assembly files: note type numbers from xen/include/public/elfnote.h
 * and a macro that emits one note (name "Xen") into section .note.Xen. The linker scripts
 * place .note.Xen in a PT_NOTE segment, which is where Xen's libelf looks for them.
 *
 * Note layout (ELF gABI): u32 namesz, u32 descsz, u32 type, name (NUL-terminated, padded to
 * 4 bytes), desc (padded to 4 bytes). Numeric descs are 4 or 8 bytes; strings are
 * NUL-terminated.
 */
#ifndef SAMPLE_ELFNOTE_H
#define SAMPLE_ELFNOTE_H

#define XEN_ELFNOTE_ENTRY           1  /* virtual entry point (PV) */
#define XEN_ELFNOTE_HYPERCALL_PAGE  2  /* virtual address of the hypercall page (PV) */
#define XEN_ELFNOTE_VIRT_BASE       3  /* virtual address the image is mapped at (PV) */
#define XEN_ELFNOTE_PADDR_OFFSET    4  /* subtracted from p_paddr (PV) */
#define XEN_ELFNOTE_XEN_VERSION     5  /* must start with "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS        6
#define XEN_ELFNOTE_GUEST_VERSION   7
#define XEN_ELFNOTE_LOADER          8  /* "generic" */
#define XEN_ELFNOTE_PAE_MODE        9  /* "yes" = PAE with extended CR3 (PV32) */
#define XEN_ELFNOTE_PHYS32_ENTRY   18  /* 32-bit physical entry for PVH */

#ifdef __ASSEMBLER__
/* desc is one data directive, e.g. `.asciz "generic"` or `.quad _start`. */
#define XEN_ELFNOTE(type, desc)                                  \
	.pushsection .note.Xen, "a", @note;                      \
	.balign 4;                                               \
	.long 2f - 1f;          /* namesz: "Xen\0" */            \
	.long 4f - 3f;          /* descsz */                     \
	.long type;                                              \
1:	.asciz "Xen";                                            \
2:	.balign 4;                                               \
3:	desc;                                                    \
4:	.balign 4;                                               \
	.popsection
#endif

#endif
