/*
 * Link map for HVM firmware-style images and PVH kernels (run through the C preprocessor;
 * XEN_PVH adds the PT_NOTE segment for the PHYS32_ENTRY note).
 *
 * Everything at 1 MiB with virtual address == physical address (p_vaddr == p_paddr):
 * the HVM builder loads the segments at p_paddr and enters at e_entry (firmware) or at the
 * PHYS32_ENTRY note (PVH) with paging off. .text.head (the entry) comes first, so
 * e_entry is 0x100000.
 *
 * Segments: text (R X), data (R W: data, bss with stack, page tables, IDT), and for PVH a
 * PT_NOTE segment covering .note.Xen. An HVM firmware image must not carry Xen notes.
 */
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
#ifdef XEN_PVH
	note PT_NOTE FLAGS(4);
#endif
}

SECTIONS
{
	. = 0x100000;
	__image_start = .;

	.text : {
		*(.text.head)
		*(.text .text.*)
	} :text
	.hypercall_page : { *(.hypercall_page) } :text
	.rodata : { *(.rodata .rodata.*) } :text
#ifdef XEN_PVH
	.note.Xen : { *(.note.Xen) } :text :note
#endif
	.eh_frame : { KEEP(*(.eh_frame)) } :text

	. = ALIGN(4096);
	.data : { *(.data .data.*) } :data
	.bss : {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(16);
		__bss_end = .;
	} :data
	_end = .;

	/DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) *(.comment) }
}
