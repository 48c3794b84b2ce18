/*
 * Link map for PV guests (run through the C preprocessor; PV_VIRT_BASE comes from the
 * Makefile: 0xffffffff80000000 for 64-bit, 0xC0000000 for 32-bit).
 *
 * Sections are linked at PV_VIRT_BASE + offset and loaded at p_paddr = offset (AT()), with
 * the PADDR_OFFSET note = 0. Xen's libelf then computes virt_offset = VIRT_BASE -
 * PADDR_OFFSET = PV_VIRT_BASE and places the kernel at [p_paddr_min + virt_offset, ...) =
 * exactly the link addresses, starting at VIRT_BASE (pseudo-physical frame 0).
 *
 * Segments: text (R X: code, hypercall page, read-only data, notes), data (R W: data and
 * bss), and a PT_NOTE segment covering .note.Xen.
 */
ENTRY(_start)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
	note PT_NOTE FLAGS(4);
}

SECTIONS
{
	. = PV_VIRT_BASE;
	__image_start = .;

	.text : AT(ADDR(.text) - PV_VIRT_BASE) {
		*(.text.head)
		*(.text .text.*)
	} :text
	.hypercall_page : AT(ADDR(.hypercall_page) - PV_VIRT_BASE) {
		*(.hypercall_page)
	} :text
	.rodata : AT(ADDR(.rodata) - PV_VIRT_BASE) { *(.rodata .rodata.*) } :text
	.note.Xen : AT(ADDR(.note.Xen) - PV_VIRT_BASE) { *(.note.Xen) } :text :note
	.eh_frame : AT(ADDR(.eh_frame) - PV_VIRT_BASE) { KEEP(*(.eh_frame)) } :text

	. = ALIGN(4096);
	.data : AT(ADDR(.data) - PV_VIRT_BASE) { *(.data .data.*) } :data
	.bss : AT(ADDR(.bss) - PV_VIRT_BASE) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(16);
		__bss_end = .;
	} :data
	_end = .;

	/DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) *(.comment) }
}
