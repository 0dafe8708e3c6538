package main

// The stores mailferry knows register themselves by scheme.
import (
	_ "github.com/mailferry/mailferry/exporters/all"
	_ "github.com/mailferry/mailferry/importers/all"
)
