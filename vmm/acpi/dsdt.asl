/*
 * dsdt.asl - frameshift's DSDT for --kernel guests (docs/linux-guest.md).
 * Compiled by iasl (acpica-tools) at build time into dsdt.hex, a C array
 * that vmm/acpi.c copies into guest memory next to the tables it builds.
 *
 * Devices: the COM1 UART and the i8042 (their ISA ports and IRQs), and
 * the virtio-balloon's virtio-mmio window, which is fixed in this VMM
 * (window 0 at FS_MMIO_BASE, vmm/guest-abi.h; IRQ_VIRTIO_BASE, vmm/irq.h).
 * Linux's virtio_mmio driver matches _HID "LNRO0005" and takes its
 * registers and interrupt from _CRS. frameshift raises the line as an
 * edge (vm_irq_pulse: KVM_IRQ_LINE 1 then 0), so: Edge, ActiveHigh.
 * tests/check_acpi.c checks that this base and IRQ match the C constants.
 */
DefinitionBlock ("", "DSDT", 2, "FRMSHF", "FSDSDT", 1)
{
    /*
     * S5 (soft off), the one sleep state: Linux's `poweroff` writes its
     * SLP_TYP (the first value; the second is unused on hardware-reduced
     * ACPI) to the FADT's sleep control register, and vmm/acpi_sleep.c
     * ends the VM. Must match ACPI_SLP_TYP_S5 (vmm/acpi.h).
     */
    Name (_S5, Package () { 5, 5, 0, 0 })

    Scope (\_SB)
    {
        /*
         * The legacy devices, with their ISA interrupts. Hardware-reduced
         * ACPI (the FADT's flag) makes Linux drop the 8259 and with it the
         * ISA IRQ numbers it would otherwise map 1:1 onto I/O APIC pins,
         * so a device that is not described here gets no interrupt (the
         * 8250 console's open fails). vmm/uart.c drives IRQ 4 as a level
         * that rises with each event; vmm/i8042.c IRQ 1; both edge, high.
         */
        Device (COM1)
        {
            Name (_HID, EisaId ("PNP0501"))
            Name (_UID, 0)
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
                IRQNoFlags () { 4 }
            })
        }
        Device (PS2K)
        {
            Name (_HID, EisaId ("PNP0303"))
            Name (_CRS, ResourceTemplate ()
            {
                IO (Decode16, 0x0060, 0x0060, 0x00, 0x01)
                IO (Decode16, 0x0064, 0x0064, 0x00, 0x01)
                IRQNoFlags () { 1 }
            })
        }
        Device (VB00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 0)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0000000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 5 }
            })
        }
    }
}
