// Package all registers every importer.
package all
