#pragma once
// GoogleTest is included as a system header so its macros never trip the project's strict warnings.
#pragma GCC system_header
#include <gmock/gmock.h>
#include <gtest/gtest.h>
