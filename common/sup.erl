%% sup.erl: Kazoo's sup, as kzlaunch and its helper make the call, all of it on the node in
%% one round trip: sup:in_kazoo/4 where the node has it (Kazoo's audit line and callid), else
%% the function itself; then how it ended, as the C side reports it (common/sup.h):
%%   {value, IsOk, Line}  it returned a value (IsOk: the atom ok), Line its text on one line
%%   {no_return, Code}    it returned no_return (Code 0) or {no_return, Code}
%%   undefined            MODULE:FUNCTION of that arity does not exist
%%   timeout              it raised timeout_value
%%   {failed, Line}       it raised: {'EXIT', Reason} on one line
%% Every line as Kazoo's sup prints it: io_lib:print with a line length no output reaches.
%%
%% Bound by the caller: M, F (atoms), A (the arguments, binaries), Node (the caller's node
%% name, for in_kazoo's audit line).  Evaluated under capture.erl's group leader, which
%% passes on what the function prints.  Not a module (see capture.erl): only what OTP 19's
%% erl_eval knows, so `catch` rather than try with a stack trace.
(fun () ->
    Line = fun (T) -> unicode:characters_to_binary(io_lib:print(T, 1, 1 bsl 60, -1)) end,
    Result = case catch sup:in_kazoo(Node, M, F, A) of
                 {'EXIT', {undef, [{sup, in_kazoo, _, _} | _]}} -> catch apply(M, F, A);
                 InKazoo -> InKazoo
             end,
    case Result of
        {'EXIT', {undef, [{M, F, _, _} | _]}} -> undefined;
        {'EXIT', {timeout_value, [{M, F, _, _} | _]}} -> timeout;
        {'EXIT', _} -> {failed, Line(Result)};
        no_return -> {no_return, 0};
        {no_return, Code} when is_integer(Code) -> {no_return, Code};
        _ -> {value, Result =:= ok, Line(Result)}
    end
 end)()
