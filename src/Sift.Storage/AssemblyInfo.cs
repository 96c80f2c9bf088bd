// Sift.Storage: what the store backends share (argument checks, the migration loader, row mapping, the evidence
// events a store records, DI registration of the store roles).
[assembly: System.CLSCompliant(false)]
