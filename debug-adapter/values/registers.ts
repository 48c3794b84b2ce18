/** DWARF register names and numbers (x86 psABIs), for messages and for sessions mapping names to numbers. */
export { dwarfRegisterName, dwarfRegisterNumber } from '../symbols/registers';
