/*
 * dsdt.asl - frameshift's DSDT for --kernel guests (docs/linux-guest.md).
 * Compiled by iasl (acpica-tools) at build time into dsdt.hex, a C array
 * that vmm/acpi.c copies into guest memory next to the tables it builds.
 *
 * Devices: the COM1 UART and the i8042 (their ISA ports and IRQs), and
 * the virtio-mmio windows, which are fixed in this VMM (window n at
 * FS_MMIO_BASE + n * 4K, vmm/guest-abi.h; IRQ IRQ_VIRTIO_BASE + n,
 * vmm/irq.h): the balloon, up to 4 disks, up to 2 net devices.
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
        /*
         * Which windows hold a device this run: a bit per window, written
         * by frameshift at ACPI_VIRTIO_PRESENT_GPA (vmm/acpi.h) before the
         * guest starts. A window without a device is absent (_STA 0), so
         * Linux does not probe it.
         */
        OperationRegion (FSVP, SystemMemory, 0x000DFFF0, 4)
        Field (FSVP, DWordAcc, NoLock, Preserve) { VMSK, 32 }
        Method (VSTA, 1, NotSerialized)
        {
            If (VMSK & (One << Arg0)) { Return (0x0F) }
            Return (Zero)
        }
        /* window 0, the balloon; 1-4, the disks; 5-6, the net devices */
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
            Method (_STA) { Return (VSTA (0)) }
        }
        Device (VD00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 1)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0001000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 6 }
            })
            Method (_STA) { Return (VSTA (1)) }
        }
        Device (VD01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 2)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0002000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 7 }
            })
            Method (_STA) { Return (VSTA (2)) }
        }
        Device (VD02)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 3)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0003000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 8 }
            })
            Method (_STA) { Return (VSTA (3)) }
        }
        Device (VD03)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 4)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0004000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 9 }
            })
            Method (_STA) { Return (VSTA (4)) }
        }
        Device (VN00)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 5)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0005000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 10 }
            })
            Method (_STA) { Return (VSTA (5)) }
        }
        Device (VN01)
        {
            Name (_HID, "LNRO0005")
            Name (_UID, 6)
            Name (_CCA, 1)
            Name (_CRS, ResourceTemplate ()
            {
                Memory32Fixed (ReadWrite, 0xC0006000, 0x00001000)
                Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 11 }
            })
            Method (_STA) { Return (VSTA (6)) }
        }
    }
}
