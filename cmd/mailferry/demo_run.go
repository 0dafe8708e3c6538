package main

import (
	"context"
	"errors"
)

func runDemo(ctx context.Context, g *globalOptions) error { return errors.New("demo: not yet") }
