//go:build !unix

package outlook

const syscallNoFollow = 0
