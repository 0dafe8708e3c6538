// Package corpus generates deterministic sample mail: GenSource, a Source
// that makes messages on the fly (same options, same bytes; memory flat in
// Count), and WriteThunderbird, which writes the same messages as a
// Thunderbird Local Folders tree. The hidden "mailferry gen" command, the
// demo and bench use it; importers/importertest re-exports it for tests.
package corpus
