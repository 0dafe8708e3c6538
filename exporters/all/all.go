// Package all registers every exporter.
package all
