(module
  (func (result f32) (f32.const 0x1.fffffep127))
  (func (result f64) (f64.const -nan:0x4000000000000))
  (func (result f64) (f64.add (f64.const 1e300) (f64.const inf))))
