fn f(x, y) {
if x > 0.0 { if y > 0.5 { return x * y + 0.0; } }
if x > 1.0 { if y > 1.5 { return x * y + 1.0; } }
if x > 2.0 { if y > 2.5 { return x * y + 2.0; } }
x - y
}
