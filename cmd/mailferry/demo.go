package main

import (
	"github.com/spf13/cobra"
)

func newDemoCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Copy built-in sample mail into a throwaway local Dovecot and show the result",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(g)
		},
	}
}
