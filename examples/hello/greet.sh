#!/bin/sh
echo "@MESSAGE@, ${1:-world}! (built by kiln)"
