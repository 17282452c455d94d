#!/bin/sh
echo "examples: placeholder" >&2; exit 0
