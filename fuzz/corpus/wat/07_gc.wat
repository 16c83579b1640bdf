(module
  (rec (type $node (struct (field $v i32) (field $next (ref null $node)))))
  (type $arr (array (mut i8)))
  (func (result i32) (struct.get $node $v (struct.new $node (i32.const 7) (ref.null $node))))
  (func (result i32) (array.len (array.new_default $arr (i32.const 4)))))
